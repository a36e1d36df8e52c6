//! Grouping similar questions before a model sees them (knowledge gaps):
//! each text becomes a TF-IDF vector over the wiki's own tokenizer's words
//! (stop words left out), and two texts whose cosine similarity reaches
//! [`THRESHOLD`] are in one cluster (single link, through a union-find), so
//! the outcome depends on the texts alone, never on their order.

use std::collections::{BTreeMap, HashMap};

use crate::know::search::tokens;

/// How alike two questions must be to count as one.
pub const THRESHOLD: f64 = 0.35;

const STOP_WORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "but", "by", "can", "cannot", "could", "did", "do",
    "does", "doing", "for", "from", "get", "got", "had", "has", "have", "hello", "help", "hi", "how", "i", "if", "in", "into", "is", "it", "its", "just",
    "me", "my", "no", "not", "now", "of", "on", "or", "our", "please", "so", "still", "thanks", "thank", "that", "the", "their", "them", "then", "there",
    "this", "to", "up", "us", "was", "we", "what", "when", "where", "which", "why", "will", "with", "would", "you", "your",
];

fn words(text: &str) -> Vec<String> {
    tokens(text).into_iter().filter(|w| w.chars().count() > 1 && !STOP_WORDS.contains(&w.as_str())).collect()
}

/// A sparse unit vector: word → weight.
type Vector = BTreeMap<String, f64>;

fn cosine(a: &Vector, b: &Vector) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    small.iter().filter_map(|(w, x)| large.get(w).map(|y| x * y)).sum()
}

/// TF-IDF vectors of `texts`, each scaled to length 1 (empty when a text
/// has no word left).
fn vectors(texts: &[String]) -> Vec<Vector> {
    let docs: Vec<Vec<String>> = texts.iter().map(|t| words(t)).collect();
    let mut df: HashMap<&str, usize> = HashMap::new();
    for d in &docs {
        let mut seen: Vec<&str> = d.iter().map(String::as_str).collect();
        seen.sort_unstable();
        seen.dedup();
        for w in seen {
            *df.entry(w).or_default() += 1;
        }
    }
    let n = docs.len() as f64;
    docs.iter()
        .map(|d| {
            let mut v: Vector = BTreeMap::new();
            for w in d {
                *v.entry(w.clone()).or_default() += 1.0;
            }
            for (w, tf) in v.iter_mut() {
                // smoothed idf: a word in every text still weighs a little
                *tf *= ((1.0 + n) / (1.0 + df[w.as_str()] as f64)).ln() + 1.0;
            }
            let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
            if norm > 0.0 {
                v.values_mut().for_each(|x| *x /= norm);
            }
            v
        })
        .collect()
}

fn find(parent: &mut [usize], i: usize) -> usize {
    let mut root = i;
    while parent[root] != root {
        root = parent[root];
    }
    let mut j = i;
    while parent[j] != root {
        let next = parent[j];
        parent[j] = root;
        j = next;
    }
    root
}

/// A cluster: the indexes of its texts (ascending) and its most telling
/// words (the heaviest in the cluster's summed vector, best first).
#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub members: Vec<usize>,
    pub top_words: Vec<String>,
}

/// The clusters of at least `min_size` texts, largest first (ties: the one
/// whose first text comes first).
pub fn clusters(texts: &[String], min_size: usize) -> Vec<Cluster> {
    let v = vectors(texts);
    let mut parent: Vec<usize> = (0..texts.len()).collect();
    for i in 0..v.len() {
        if v[i].is_empty() {
            continue;
        }
        for j in (i + 1)..v.len() {
            if cosine(&v[i], &v[j]) >= THRESHOLD {
                let (a, b) = (find(&mut parent, i), find(&mut parent, j));
                if a != b {
                    parent[a.max(b)] = a.min(b);
                }
            }
        }
    }
    let mut groups: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for i in 0..texts.len() {
        let root = find(&mut parent, i);
        groups.entry(root).or_default().push(i);
    }
    let mut out: Vec<Cluster> = groups
        .into_values()
        .filter(|m| m.len() >= min_size.max(1))
        .map(|members| {
            let mut sum: BTreeMap<&str, f64> = BTreeMap::new();
            for &i in &members {
                for (w, x) in &v[i] {
                    *sum.entry(w.as_str()).or_default() += x;
                }
            }
            let mut ranked: Vec<(&str, f64)> = sum.into_iter().collect();
            ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(b.0)));
            Cluster { top_words: ranked.into_iter().take(5).map(|(w, _)| w.to_owned()).collect(), members }
        })
        .collect();
    out.sort_by(|a, b| b.members.len().cmp(&a.members.len()).then(a.members[0].cmp(&b.members[0])));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(t: &[&str]) -> Vec<String> {
        t.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn like_questions_cluster_and_others_stay_apart() {
        let t = texts(&[
            "How do I get a refund for my order?",
            "Password reset email never arrives",
            "Refund for a cancelled order, how?",
            "I want a refund on my order",
            "The password reset email does not arrive",
            "Can I change my username?",
        ]);
        let c = clusters(&t, 2);
        assert_eq!(c.len(), 2, "{c:?}");
        assert_eq!(c[0].members, vec![0, 2, 3]);
        assert_eq!(c[1].members, vec![1, 4]);
        assert!(c[0].top_words.contains(&"refund".to_string()), "{:?}", c[0].top_words);
    }

    #[test]
    fn the_order_of_the_texts_does_not_change_the_clusters() {
        let a = texts(&["refund order late", "order refund please", "login broken", "cannot login broken page"]);
        let b: Vec<String> = a.iter().rev().cloned().collect();
        let sets = |c: Vec<Cluster>, t: &[String]| -> Vec<Vec<String>> {
            let mut s: Vec<Vec<String>> = c.into_iter().map(|c| { let mut m: Vec<String> = c.members.iter().map(|&i| t[i].clone()).collect(); m.sort(); m }).collect();
            s.sort();
            s
        };
        assert_eq!(sets(clusters(&a, 2), &a), sets(clusters(&b, 2), &b));
        assert!(clusters(&texts(&["", "the a of"]), 1).iter().all(|c| c.top_words.is_empty()));
    }
}
