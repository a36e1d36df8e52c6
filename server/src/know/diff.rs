//! Two revisions' bodies compared line by line (Myers, via `similar`): the
//! unified diff as text and the same as hunks of lines with three lines of
//! context, numbered on either side.

use similar::{ChangeTag, TextDiff};

const CONTEXT: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    /// `+`, `-` or ` `.
    pub op: char,
    pub text: String,
    pub old_line: Option<i64>,
    pub new_line: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub old_start: i64,
    pub old_lines: i64,
    pub new_start: i64,
    pub new_lines: i64,
    pub lines: Vec<Line>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub unified: String,
    pub hunks: Vec<Hunk>,
    pub added: i64,
    pub removed: i64,
}

/// A range's start as unified diffs write it: 1-based, or the line before
/// an empty range.
fn start(range: &std::ops::Range<usize>) -> i64 {
    if range.is_empty() { range.start as i64 } else { range.start as i64 + 1 }
}

pub fn diff(old: &str, new: &str, old_name: &str, new_name: &str) -> Diff {
    let text = TextDiff::from_lines(old, new);
    let mut hunks = Vec::new();
    let (mut added, mut removed) = (0, 0);
    for group in text.grouped_ops(CONTEXT) {
        let (Some(first), Some(last)) = (group.first(), group.last()) else { continue };
        let old_range = first.old_range().start..last.old_range().end;
        let new_range = first.new_range().start..last.new_range().end;
        let mut lines = Vec::new();
        for op in &group {
            for change in text.iter_changes(op) {
                let op = match change.tag() {
                    ChangeTag::Insert => {
                        added += 1;
                        '+'
                    }
                    ChangeTag::Delete => {
                        removed += 1;
                        '-'
                    }
                    ChangeTag::Equal => ' ',
                };
                let value = change.value();
                lines.push(Line {
                    op,
                    text: value.strip_suffix('\n').map(|v| v.strip_suffix('\r').unwrap_or(v)).unwrap_or(value).to_owned(),
                    old_line: change.old_index().map(|i| i as i64 + 1),
                    new_line: change.new_index().map(|i| i as i64 + 1),
                });
            }
        }
        hunks.push(Hunk {
            old_start: start(&old_range),
            old_lines: old_range.len() as i64,
            new_start: start(&new_range),
            new_lines: new_range.len() as i64,
            lines,
        });
    }
    let unified = if hunks.is_empty() { String::new() } else { text.unified_diff().context_radius(CONTEXT).header(old_name, new_name).to_string() };
    Diff { unified, hunks, added, removed }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_agree_with_the_unified_text() {
        let old = "a\nb\nc\nd\ne\nf\ng\nh\ni\nj\n";
        let new = "a\nb\nC\nd\ne\nf\ng\nh\ni\nj\nk\n";
        let d = diff(old, new, "revision 1", "revision 2");
        assert_eq!((d.added, d.removed), (2, 1));
        assert_eq!(d.hunks.len(), 2, "{}", d.unified);
        assert!(d.unified.starts_with("--- revision 1\n+++ revision 2\n@@ -1,6 +1,6 @@\n"), "{}", d.unified);
        let h = &d.hunks[0];
        assert_eq!((h.old_start, h.old_lines, h.new_start, h.new_lines), (1, 6, 1, 6));
        assert_eq!(h.lines[2], Line { op: '-', text: "c".into(), old_line: Some(3), new_line: None });
        assert_eq!(h.lines[3], Line { op: '+', text: "C".into(), old_line: None, new_line: Some(3) });
        for h in &d.hunks {
            assert!(d.unified.contains(&format!("@@ -{},{} +{},{} @@", h.old_start, h.old_lines, h.new_start, h.new_lines)), "{}", d.unified);
        }
    }

    #[test]
    fn equal_bodies_have_no_diff() {
        let d = diff("same\n", "same\n", "a", "b");
        assert!(d.unified.is_empty() && d.hunks.is_empty());
        let d = diff("", "new\n", "a", "b");
        assert_eq!((d.hunks[0].old_start, d.hunks[0].old_lines, d.hunks[0].new_start), (0, 0, 1));
    }
}
