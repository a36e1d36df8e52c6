//! Search, the same on both databases: one tokenizer for pages and queries
//! (lower-cased runs of letters and digits), a query language read here
//! into [`Query`], which each engine receives in its own syntax (a tsquery
//! for PostgreSQL, an FTS5 expression for SQLite) only to find candidates,
//! and one ranking and one snippet computed here from the candidates'
//! words, so both databases answer the same results in the same order.
//!
//! The language: terms are all required; `"exact words"` is a phrase;
//! `refund*` a prefix (also `"a phr"*`); `-term` leaves out what has it;
//! `a OR b` takes either.

/// A page's or query's words: lower-cased runs of letters and digits.
pub fn tokens(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric()).filter(|t| !t.is_empty()).map(str::to_lowercase).collect()
}

/// One word, or a phrase of words in a row; `prefix`: the last word may go on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub words: Vec<String>,
    pub prefix: bool,
}

/// Terms of which one is enough (`a OR b`), or one term left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub any_of: Vec<Term>,
    pub excluded: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Query {
    pub groups: Vec<Group>,
}

/// Reads a query, or says what cannot be read.
pub fn parse(q: &str) -> Result<Query, String> {
    // the items: (excluded, phrase-or-word text, quoted, prefix), and ORs
    enum Item {
        Term { excluded: bool, text: String, quoted: bool, prefix: bool },
        Or,
    }
    let mut items = Vec::new();
    let mut chars = q.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
            continue;
        }
        let mut excluded = false;
        if c == '-' {
            chars.next();
            excluded = true;
            match chars.peek() {
                None => return Err("`-` stands before the term to leave out".into()),
                Some(n) if n.is_whitespace() => return Err("`-` stands right before the term to leave out, without a space".into()),
                _ => {}
            }
        }
        let (text, quoted) = if chars.peek() == Some(&'"') {
            chars.next();
            let mut text = String::new();
            loop {
                match chars.next() {
                    None => return Err("a quote is not closed".into()),
                    Some('"') => break,
                    Some(ch) => text.push(ch),
                }
            }
            (text, true)
        } else {
            let mut text = String::new();
            while let Some(&ch) = chars.peek() {
                if ch.is_whitespace() || ch == '"' {
                    break;
                }
                text.push(ch);
                chars.next();
            }
            (text, false)
        };
        let (text, prefix) = if quoted {
            let star = chars.peek() == Some(&'*');
            if star {
                chars.next();
            }
            (text, star)
        } else {
            match text.strip_suffix('*') {
                Some(t) => (t.to_owned(), true),
                None => (text, false),
            }
        };
        if !quoted && !excluded && !prefix && text == "OR" {
            items.push(Item::Or);
        } else {
            items.push(Item::Term { excluded, text, quoted, prefix });
        }
    }

    let mut groups: Vec<Group> = Vec::new();
    let mut pending_or = false;
    for item in items {
        match item {
            Item::Or => {
                if pending_or || groups.last().is_none_or(|g| g.excluded) {
                    return Err("`OR` stands between two terms to take either (neither left out)".into());
                }
                pending_or = true;
            }
            Item::Term { excluded, text, quoted, prefix } => {
                let words = tokens(&text);
                if words.is_empty() {
                    return Err(if prefix && text.trim_matches('*').is_empty() {
                        "`*` follows the start of a word (`refund*`)".to_owned()
                    } else if quoted {
                        "a phrase holds at least one word".to_owned()
                    } else {
                        format!("`{text}` holds no word (letters or digits)")
                    });
                }
                if words.len() > 1 && !quoted && text.contains('*') {
                    return Err(format!("`*` ends a word or a phrase, not `{text}`"));
                }
                let term = Term { words, prefix };
                if pending_or {
                    if excluded {
                        return Err("`OR` stands between two terms to take either (neither left out)".into());
                    }
                    if let Some(last) = groups.last_mut() {
                        last.any_of.push(term);
                    }
                    pending_or = false;
                } else {
                    groups.push(Group { any_of: vec![term], excluded });
                }
            }
        }
    }
    if pending_or {
        return Err("`OR` stands between two terms to take either".into());
    }
    if groups.is_empty() {
        return Err("the query holds no word to search for".into());
    }
    if groups.iter().all(|g| g.excluded) {
        return Err("a query needs a term to find, not only terms to leave out".into());
    }
    if groups.len() > 32 || groups.iter().map(|g| g.any_of.len()).sum::<usize>() > 64 {
        return Err("the query has too many terms (at most 32 groups, 64 terms)".into());
    }
    Ok(Query { groups })
}

impl Query {
    /// The query as an FTS5 expression (every word quoted: words are
    /// letters and digits only, so the expression is only this query's).
    pub fn fts5(&self) -> String {
        let term = |t: &Term| format!("\"{}\"{}", t.words.join(" "), if t.prefix { "*" } else { "" });
        let group = |g: &Group| {
            if g.any_of.len() == 1 { term(&g.any_of[0]) } else { format!("({})", g.any_of.iter().map(term).collect::<Vec<_>>().join(" OR ")) }
        };
        let wanted: Vec<String> = self.groups.iter().filter(|g| !g.excluded).map(group).collect();
        let mut out = format!("({})", wanted.join(" AND "));
        for g in self.groups.iter().filter(|g| g.excluded) {
            out = format!("{out} NOT {}", group(g));
        }
        out
    }

    /// The query as a PostgreSQL tsquery's text (quoted lexemes).
    pub fn tsquery(&self) -> String {
        let term = |t: &Term| {
            let last = t.words.len() - 1;
            // a phrase within one field: the document joins the title's and
            // the body's words, which must not make a phrase across them
            let words = |weight: &str| -> Vec<String> {
                t.words.iter().enumerate().map(|(i, w)| format!("'{w}'{}{weight}", if t.prefix && i == last { ":*" } else if weight.is_empty() { "" } else { ":" })).collect()
            };
            if t.words.len() == 1 {
                words("")[0].clone()
            } else {
                format!("(({}) | ({}))", words("A").join(" <-> "), words("B").join(" <-> "))
            }
        };
        let group = |g: &Group| {
            if g.any_of.len() == 1 { term(&g.any_of[0]) } else { format!("({})", g.any_of.iter().map(term).collect::<Vec<_>>().join(" | ")) }
        };
        let mut parts: Vec<String> = self.groups.iter().filter(|g| !g.excluded).map(group).collect();
        parts.extend(self.groups.iter().filter(|g| g.excluded).map(|g| format!("!{}", group(g))));
        parts.join(" & ")
    }

    fn wanted(&self) -> impl Iterator<Item = &Term> {
        self.groups.iter().filter(|g| !g.excluded).flat_map(|g| g.any_of.iter())
    }

    /// How often `term` occurs in `words`.
    fn count(term: &Term, words: &[String]) -> usize {
        let n = term.words.len();
        if words.len() < n {
            return 0;
        }
        (0..=words.len() - n).filter(|&i| Self::at(term, words, i)).count()
    }

    fn at(term: &Term, words: &[String], i: usize) -> bool {
        let n = term.words.len();
        term.words.iter().enumerate().all(|(k, w)| if term.prefix && k == n - 1 { words[i + k].starts_with(w.as_str()) } else { words[i + k] == *w })
    }

    /// Whether the title has a wanted term.
    pub fn in_title(&self, title: &[String]) -> bool {
        self.wanted().any(|t| Self::count(t, title) > 0)
    }

    /// The rank: title occurrences weigh ten times body ones (so a title
    /// match ranks above body-only matches), each saturating as in BM25,
    /// the body's normalised by its length.
    pub fn score(&self, title: &[String], body: &[String]) -> f64 {
        let length = 0.25 + 0.75 * (body.len() as f64 / 500.0);
        let s: f64 = self
            .wanted()
            .map(|t| {
                let in_title = Self::count(t, title) as f64;
                let in_body = Self::count(t, body) as f64;
                10.0 * in_title / (in_title + 0.5) + in_body / (in_body + 1.2 * length)
            })
            .sum();
        // six decimals: the same figure whatever the platform's float printing
        (s * 1e6).round() / 1e6
    }

    /// Up to `width` words of `text` around its densest run of matches,
    /// HTML-escaped, matched words in `<mark>`, `…` where it is cut.
    pub fn snippet(&self, text: &str, width: usize) -> String {
        let words: Vec<&str> = text.split_whitespace().collect();
        // each shown word's tokens, and which words start a match
        let toks: Vec<Vec<String>> = words.iter().map(|w| tokens(w)).collect();
        let flat: Vec<(usize, String)> = toks.iter().enumerate().flat_map(|(i, ts)| ts.iter().map(move |t| (i, t.clone()))).collect();
        let flat_words: Vec<String> = flat.iter().map(|(_, t)| t.clone()).collect();
        let mut marked = vec![false; words.len()];
        for t in self.wanted() {
            let n = t.words.len();
            if flat_words.len() < n {
                continue;
            }
            for i in 0..=flat_words.len() - n {
                if Self::at(t, &flat_words, i) {
                    for k in 0..n {
                        marked[flat[i + k].0] = true;
                    }
                }
            }
        }
        let (mut best, mut best_count) = (0, 0);
        if words.len() > width {
            let mut count = marked[..width].iter().filter(|m| **m).count();
            best_count = count;
            for start in 1..=words.len() - width {
                count = count + usize::from(marked[start + width - 1]) - usize::from(marked[start - 1]);
                if count > best_count {
                    best_count = count;
                    best = start;
                }
            }
        }
        let _ = best_count;
        let end = (best + width).min(words.len());
        let mut out = String::new();
        if best > 0 {
            out.push('…');
        }
        for (i, w) in words[best..end].iter().enumerate() {
            if i > 0 || best > 0 {
                out.push(' ');
            }
            let e = crate::store::templates::escape_html(w);
            if marked[best + i] {
                out.push_str("<mark>");
                out.push_str(&e);
                out.push_str("</mark>");
            } else {
                out.push_str(&e);
            }
        }
        if end < words.len() {
            out.push_str(" …");
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(words: &[&str], prefix: bool) -> Term {
        Term { words: words.iter().map(|s| s.to_string()).collect(), prefix }
    }

    #[test]
    fn the_language_reads_as_documented() {
        let q = parse(r#"refund* -shipping "exact words" a OR b"#).unwrap();
        assert_eq!(q.groups.len(), 4);
        assert_eq!(q.groups[0], Group { any_of: vec![w(&["refund"], true)], excluded: false });
        assert_eq!(q.groups[1], Group { any_of: vec![w(&["shipping"], false)], excluded: true });
        assert_eq!(q.groups[2].any_of, vec![w(&["exact", "words"], false)]);
        assert_eq!(q.groups[3].any_of, vec![w(&["a"], false), w(&["b"], false)]);
        assert_eq!(q.fts5(), r#"("refund"* AND "exact words" AND ("a" OR "b")) NOT "shipping""#);
        assert_eq!(q.tsquery(), "'refund':* & (('exact':A <-> 'words':A) | ('exact':B <-> 'words':B)) & ('a' | 'b') & !'shipping'");
        assert_eq!(parse("\"a b\"*").unwrap().tsquery(), "(('a':A <-> 'b':*A) | ('a':B <-> 'b':*B))");
        // a hyphenated word is a phrase of its parts
        assert_eq!(parse("e-mail").unwrap().groups[0].any_of, vec![w(&["e", "mail"], false)]);
        assert_eq!(parse("Über").unwrap().groups[0].any_of, vec![w(&["über"], false)]);
    }

    #[test]
    fn unreadable_queries_say_why() {
        for (q, why) in [
            ("\"open", "quote"),
            ("-shipping", "only terms to leave out"),
            ("*", "`*`"),
            ("   ", "no word"),
            ("a OR", "OR"),
            ("OR a", "OR"),
            ("a OR -b", "OR"),
            ("- a", "without a space"),
            ("!!!", "no word"),
            ("\"\"", "phrase"),
        ] {
            let e = parse(q).unwrap_err();
            assert!(e.contains(why), "{q}: {e}");
        }
    }

    #[test]
    fn titles_outrank_bodies_and_snippets_mark_matches() {
        let q = parse("refund").unwrap();
        let title = tokens("Refund policy");
        let body = tokens("Nothing here.");
        let other_title = tokens("Shipping");
        let other_body = tokens("refund refund refund refund refund");
        assert!(q.score(&title, &body) > q.score(&other_title, &other_body));
        assert!(q.in_title(&title) && !q.in_title(&other_title));
        let s = parse("refund*").unwrap().snippet("We <b>issue</b> refunds within 14 days of a refund request.", 5);
        assert!(s.contains("<mark>refunds</mark>") && s.contains("&lt;b&gt;issue&lt;/b&gt;"), "{s}");
        assert!(s.starts_with('…') || s.ends_with('…'), "{s}");
    }
}
