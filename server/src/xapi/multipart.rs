//! `multipart/mixed` (RFC 2046 5.1) as xAPI exchanges statements with their
//! attachments (Communication 1.5.2): read a request's parts, write an
//! answer's. Parts are taken as binary (xAPI's Content-Transfer-Encoding);
//! limits come from the body limit of the operation.

/// One part: its headers (names lower-cased, in order) and its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// At most this many parts a request (statements plus attachments).
pub const MAX_PARTS: usize = 1000;

/// The `boundary` parameter of a `multipart/mixed` Content-Type, or None
/// when the type is not multipart/mixed.
pub fn boundary(content_type: &str) -> Option<Result<String, String>> {
    let mut params = content_type.split(';');
    let essence = params.next()?.trim();
    if !essence.eq_ignore_ascii_case("multipart/mixed") {
        return None;
    }
    let found = params.find_map(|p| {
        let (name, value) = p.split_once('=')?;
        name.trim().eq_ignore_ascii_case("boundary").then(|| value.trim().trim_matches('"').to_owned())
    });
    Some(match found {
        Some(b) if !b.is_empty() && b.len() <= 70 => Ok(b),
        Some(_) => Err("the multipart boundary must be 1 to 70 characters (RFC 2046)".into()),
        None => Err("a multipart/mixed Content-Type needs a boundary parameter".into()),
    })
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || hay.len() < needle.len() {
        return None;
    }
    (from..=hay.len() - needle.len()).find(|&i| &hay[i..i + needle.len()] == needle)
}

/// The body's parts, between `--boundary` delimiters (a preamble before the
/// first and an epilogue after the closing `--boundary--` are ignored).
/// Lines may end in CRLF or, leniently, LF.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let mut at = find(body, &delimiter, 0).ok_or("the body holds no multipart delimiter")?;
    let mut parts = Vec::new();
    loop {
        let mut start = at + delimiter.len();
        if body[start..].starts_with(b"--") {
            return if parts.is_empty() { Err("the multipart body holds no part".into()) } else { Ok(parts) };
        }
        // the rest of the delimiter line (transport padding), then its line end
        let line_end = find(body, b"\n", start).ok_or("a multipart delimiter line does not end")?;
        start = line_end + 1;
        // the next delimiter starts on a line of its own
        let next = (start..body.len())
            .find(|&i| body[i..].starts_with(&delimiter) && i > 0 && body[i - 1] == b'\n')
            .ok_or("the multipart body does not end with its closing delimiter")?;
        let mut end = next - 1;
        if end > start && body[end - 1] == b'\r' {
            end -= 1;
        }
        parts.push(part(&body[start..end.max(start)])?);
        if parts.len() > MAX_PARTS {
            return Err(format!("at most {MAX_PARTS} parts a request"));
        }
        at = next;
    }
}

fn part(raw: &[u8]) -> Result<Part, String> {
    // headers end at the first empty line; a part may have none
    let (head, body) = if raw.starts_with(b"\r\n") {
        (&raw[..0], &raw[2..])
    } else if raw.starts_with(b"\n") {
        (&raw[..0], &raw[1..])
    } else if let Some(i) = find(raw, b"\r\n\r\n", 0) {
        (&raw[..i], &raw[i + 4..])
    } else if let Some(i) = find(raw, b"\n\n", 0) {
        (&raw[..i], &raw[i + 2..])
    } else {
        return Err("a multipart part's headers do not end with an empty line".into());
    };
    let text = std::str::from_utf8(head).map_err(|_| "a multipart part's headers are not UTF-8")?;
    let mut headers = Vec::new();
    for line in text.lines().map(|l| l.trim_end_matches('\r')).filter(|l| !l.is_empty()) {
        let (name, value) = line.split_once(':').ok_or_else(|| format!("a multipart part header is not `name: value`: {line:?}"))?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    Ok(Part { headers, body: body.to_vec() })
}

/// A `multipart/mixed` body of these parts, and its boundary.
pub fn write(parts: &[Part]) -> (String, Vec<u8>) {
    let boundary = format!("xapi-{}", uuid::Uuid::new_v4().simple());
    let mut out = Vec::new();
    for p in parts {
        out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
        for (name, value) in &p.headers {
            out.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(&p.body);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    (boundary, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_boundary_comes_from_the_content_type() {
        assert_eq!(boundary("application/json"), None);
        assert_eq!(boundary("multipart/mixed; boundary=\"abc def\""), Some(Ok("abc def".into())));
        assert_eq!(boundary("Multipart/Mixed;boundary=x"), Some(Ok("x".into())));
        assert!(matches!(boundary("multipart/mixed"), Some(Err(_))));
    }

    #[test]
    fn parts_read_back_what_was_written() {
        let parts = vec![
            Part { headers: vec![("content-type".into(), "application/json".into())], body: b"{\"a\":1}".to_vec() },
            Part { headers: vec![("x-experience-api-hash".into(), "ab".into())], body: b"\r\n--not-the-boundary\r\nbinary\0".to_vec() },
        ];
        let (b, body) = write(&parts);
        assert_eq!(parse(&body, &b).unwrap(), parts);
    }

    #[test]
    fn preamble_epilogue_and_bare_line_feeds_are_taken() {
        let body = b"preamble\n--b\nContent-Type: text/plain\n\nhello\n--b\n\nno headers\n--b--\nepilogue";
        let parts = parse(body, "b").unwrap();
        assert_eq!((parts[0].header("Content-Type"), parts[0].body.as_slice()), (Some("text/plain"), &b"hello"[..]));
        assert_eq!((parts[1].headers.len(), parts[1].body.as_slice()), (0, &b"no headers"[..]));
    }

    #[test]
    fn malformed_bodies_are_refused() {
        assert!(parse(b"no delimiter", "b").is_err());
        assert!(parse(b"--b\r\nContent-Type: x\r\n\r\nunterminated", "b").is_err());
        assert!(parse(b"--b--\r\n", "b").is_err());
        assert!(parse(b"--b\r\nbroken header\r\n\r\nx\r\n--b--", "b").is_err());
    }
}
