//! A page's Markdown as HTML that is safe to put in a page: CommonMark
//! (with tables, strikethrough and task lists) whose raw HTML is shown as
//! text and whose links keep only safe schemes. The renderer writes no
//! attribute but `href`, `src`, `alt` and `title` (escaped), so no script or
//! event handler can come through.

use pulldown_cmark::{html, CowStr, Event, Options, Parser, Tag};

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH | Options::ENABLE_TASKLISTS
}

/// `http`, `https`, `mailto`, or no scheme at all (relative, `#anchor`).
fn safe_url(url: &str) -> bool {
    let lower = url.trim().to_ascii_lowercase();
    match lower.find(':') {
        None => true,
        Some(colon) => {
            // a colon after the first `/`, `?` or `#` is not a scheme's
            if lower[..colon].contains(['/', '?', '#']) {
                return true;
            }
            matches!(&lower[..colon], "http" | "https" | "mailto")
        }
    }
}

fn defuse(url: CowStr<'_>) -> CowStr<'_> {
    if safe_url(&url) { url } else { CowStr::Borrowed("") }
}

pub fn to_html(source: &str) -> String {
    let events = Parser::new_ext(source, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        Event::Start(Tag::Link { link_type, dest_url, title, id }) => Event::Start(Tag::Link { link_type, dest_url: defuse(dest_url), title, id }),
        Event::Start(Tag::Image { link_type, dest_url, title, id }) => Event::Start(Tag::Image { link_type, dest_url: defuse(dest_url), title, id }),
        other => other,
    });
    let mut out = String::with_capacity(source.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// The words a reader sees (no markup): what search indexes and quotes.
pub fn to_text(source: &str) -> String {
    let mut out = String::with_capacity(source.len());
    for event in Parser::new_ext(source, options()) {
        match event {
            Event::Text(t) | Event::Code(t) | Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak | Event::End(_) | Event::Rule => out.push(' '),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_html_and_unsafe_links_do_not_survive() {
        let html = to_html("# Hi\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n[a](javascript:alert(1)) [b](https://ok.example/x) [c](/rel) ![i](data:text/html,x)\n");
        assert!(html.contains("<h1>Hi</h1>"), "{html}");
        assert!(!html.contains("<script") && !html.contains("<img src=x"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
        assert!(!html.to_ascii_lowercase().contains("javascript:") && !html.contains("data:text"), "{html}");
        assert!(html.contains("href=\"https://ok.example/x\"") && html.contains("href=\"/rel\""), "{html}");
        // no tag carries an event handler: `onerror=` survives only as escaped text
        for tag in html.split('<').skip(1).map(|t| t.split('>').next().unwrap_or("")) {
            assert!(!tag.contains(" on"), "attributes only as text: {tag} in {html}");
        }
    }

    #[test]
    fn tables_and_task_lists_render() {
        let html = to_html("| a | b |\n|---|---|\n| 1 | 2 |\n\n- [x] done\n\n~~old~~\n");
        assert!(html.contains("<table>") && html.contains("<del>old</del>") && html.contains("checkbox"), "{html}");
    }

    #[test]
    fn text_keeps_the_words() {
        assert_eq!(to_text("# Refund *policy*\n\nWithin `14` days.").split_whitespace().collect::<Vec<_>>(), ["Refund", "policy", "Within", "14", "days."]);
    }
}
