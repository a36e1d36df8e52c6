//! Templates with `{{ name }}` placeholders, one mechanism for every surface
//! that keeps them (canned responses, certificate templates): a template
//! names only the placeholders its kind knows, and an unknown or malformed
//! one is refused naming it and the field.

use std::collections::HashMap;

use crate::db::StoreError;

/// A kind of template: the field that holds it and what it may name.
#[derive(Debug, Clone, Copy)]
pub struct TemplateKind {
    pub field: &'static str,
    pub placeholders: &'static [&'static str],
    /// Values are HTML-escaped when filled in (HTML templates).
    pub html: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

/// Splits a template into text and `{{ name }}` placeholders.
fn parse(body: &str) -> Result<Vec<Piece<'_>>, String> {
    let mut pieces = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        pieces.push(Piece::Text(&rest[..start]));
        let after = &rest[start + 2..];
        let end = after.find("}}").ok_or_else(|| "has an unclosed `{{`".to_owned())?;
        pieces.push(Piece::Placeholder(after[..end].trim()));
        rest = &after[end + 2..];
    }
    pieces.push(Piece::Text(rest));
    Ok(pieces)
}

/// Text as HTML (shared: templates, wiki snippets).
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl TemplateKind {
    /// The template's pieces, or `Invalid` naming the first unknown or
    /// malformed placeholder.
    fn checked<'a>(&self, body: &'a str) -> Result<Vec<Piece<'a>>, StoreError> {
        let pieces = parse(body).map_err(|p| StoreError::invalid(self.field, p))?;
        for piece in &pieces {
            if let Piece::Placeholder(name) = piece
                && !self.placeholders.contains(name)
            {
                return Err(StoreError::invalid(
                    self.field,
                    format!("unknown placeholder `{{{{{name}}}}}`; known: {}", self.placeholders.join(", ")),
                ));
            }
        }
        Ok(pieces)
    }

    /// Refuses a template with an unknown or malformed placeholder, naming it.
    pub fn check(&self, body: &str) -> Result<(), StoreError> {
        self.checked(body).map(|_| ())
    }

    /// Fills the placeholders; returns the text and the placeholders used.
    pub fn render(&self, body: &str, values: &HashMap<&'static str, String>) -> Result<(String, Vec<String>), StoreError> {
        let mut out = String::with_capacity(body.len());
        let mut used: Vec<String> = Vec::new();
        for piece in self.checked(body)? {
            match piece {
                Piece::Text(s) => out.push_str(s),
                Piece::Placeholder(name) => {
                    let value = values.get(name).map(String::as_str).unwrap_or("");
                    if self.html {
                        out.push_str(&escape_html(value));
                    } else {
                        out.push_str(value);
                    }
                    if !used.iter().any(|u| u == name) {
                        used.push(name.to_owned());
                    }
                }
            }
        }
        Ok((out, used))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: TemplateKind = TemplateKind { field: "body", placeholders: &["a.b", "name"], html: true };

    #[test]
    fn values_are_escaped_in_html_templates_and_unknowns_are_named() {
        let v = HashMap::from([("name", "<b>Ada & co</b>".to_owned())]);
        let (out, used) = KIND.render("<p>{{ name }}</p>{{name}}", &v).unwrap();
        assert_eq!(out, "<p>&lt;b&gt;Ada &amp; co&lt;/b&gt;</p>&lt;b&gt;Ada &amp; co&lt;/b&gt;");
        assert_eq!(used, vec!["name"]);
        match KIND.check("{{ shoe }}") {
            Err(StoreError::Invalid(f)) => assert!(f[0].0 == "body" && f[0].1.contains("`{{shoe}}`"), "{f:?}"),
            other => panic!("{other:?}"),
        }
    }
}
