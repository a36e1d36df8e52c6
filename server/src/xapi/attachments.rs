//! Matching a statement request's attachment parts to its statements'
//! Attachment objects (Communication 1.5.2): by SHA-2 only, every part's
//! data checked against its `X-Experience-API-Hash`, every Attachment
//! without a `fileUrl` backed by a part, and no part left over.

use serde_json::Value;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::multipart::Part;
use crate::store::learn::xapi_statements::AttachmentData;

/// The hex SHA-2 of `data` in the variant a hash of `like`'s length is
/// (224, 256, 384 or 512 bits), lower-case; None for another length.
pub fn sha2_like(like: &str, data: &[u8]) -> Option<String> {
    let hex = |bytes: &[u8]| bytes.iter().map(|b| format!("{b:02x}")).collect::<String>();
    Some(match like.len() {
        56 => hex(&Sha224::digest(data)),
        64 => hex(&Sha256::digest(data)),
        96 => hex(&Sha384::digest(data)),
        128 => hex(&Sha512::digest(data)),
        _ => return None,
    })
}

/// The Attachment objects of these statements.
pub fn declared(statements: &[&Value]) -> Vec<Value> {
    statements.iter().filter_map(|s| s.get("attachments").and_then(Value::as_array)).flatten().cloned().collect()
}

fn essence(content_type: &str) -> String {
    content_type.split(';').next().unwrap_or("").trim().to_ascii_lowercase()
}

/// The attachments' data to store, or what is wrong. `parts` are the
/// request's parts after the statements' (none for an `application/json`
/// request, whose every Attachment must then carry a `fileUrl`).
pub fn received(statements: &[&Value], parts: Vec<Part>, multipart: bool) -> Result<Vec<AttachmentData>, String> {
    let objects = declared(statements);
    let mut data: Vec<AttachmentData> = Vec::new();
    for (i, part) in parts.into_iter().enumerate() {
        let n = i + 2;
        let hash = part.header("x-experience-api-hash").ok_or_else(|| format!("part {n} has no X-Experience-API-Hash header"))?.to_ascii_lowercase();
        if let Some(cte) = part.header("content-transfer-encoding")
            && !cte.eq_ignore_ascii_case("binary")
        {
            return Err(format!("part {n}: Content-Transfer-Encoding must be binary, not {cte:?}"));
        }
        match sha2_like(&hash, &part.body) {
            Some(actual) if actual == hash => {}
            Some(actual) => return Err(format!("part {n}: its data hashes to {actual}, not to its X-Experience-API-Hash {hash}")),
            None => return Err(format!("part {n}: X-Experience-API-Hash {hash:?} is not a hex SHA-224, -256, -384 or -512")),
        }
        let object = objects
            .iter()
            .find(|o| o.get("sha2").and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case(&hash)))
            .ok_or_else(|| format!("part {n} (X-Experience-API-Hash {hash}) is no attachment of the statements"))?;
        let declared_type = object.get("contentType").and_then(Value::as_str).unwrap_or("application/octet-stream");
        if let Some(sent) = part.header("content-type")
            && essence(sent) != essence(declared_type)
        {
            return Err(format!("part {n}: Content-Type {sent:?} is not the attachment's contentType {declared_type:?}"));
        }
        if !data.iter().any(|d| d.sha2 == hash) {
            data.push(AttachmentData { sha2: hash, content_type: declared_type.to_owned(), content: part.body });
        }
    }
    for o in &objects {
        if o.get("fileUrl").is_some() {
            continue;
        }
        let sha2 = o.get("sha2").and_then(Value::as_str).unwrap_or("");
        if !multipart {
            return Err(format!("the attachment {sha2} has no fileUrl: send its data as a multipart/mixed part"));
        }
        if !data.iter().any(|d| d.sha2.eq_ignore_ascii_case(sha2)) {
            return Err(format!("the attachment {sha2} has neither a fileUrl nor a part with its hash"));
        }
    }
    Ok(data)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn part(hash: &str, body: &[u8]) -> Part {
        Part {
            headers: vec![
                ("content-type".into(), "text/plain".into()),
                ("content-transfer-encoding".into(), "binary".into()),
                ("x-experience-api-hash".into(), hash.into()),
            ],
            body: body.to_vec(),
        }
    }

    #[test]
    fn parts_are_matched_by_hash_and_checked() {
        let data = b"here is a simple attachment";
        let h = sha2_like(&"0".repeat(64), data).unwrap();
        let with = json!({ "attachments": [{ "usageType": "http://x.example/u", "display": {}, "contentType": "text/plain", "length": 27, "sha2": h }] });
        let linked = json!({ "attachments": [{ "usageType": "http://x.example/u", "display": {}, "contentType": "text/plain", "length": 1, "sha2": h, "fileUrl": "https://x.example/f" }] });
        let got = received(&[&with], vec![part(&h, data)], true).unwrap();
        assert_eq!((got.len(), got[0].sha2.as_str(), got[0].content.as_slice()), (1, h.as_str(), &data[..]));
        // the same data twice is kept once
        assert_eq!(received(&[&with, &with], vec![part(&h, data), part(&h, data)], true).unwrap().len(), 1);
        // a part whose data is not what its header says
        assert!(received(&[&with], vec![part(&h, b"other")], true).unwrap_err().contains("hashes to"));
        // a declared attachment without its part, without a fileUrl
        assert!(received(&[&with], vec![], true).unwrap_err().contains("neither a fileUrl"));
        assert!(received(&[&with], vec![], false).unwrap_err().contains("multipart/mixed"));
        // fileUrl-only attachments need no part, in JSON or multipart
        assert!(received(&[&linked], vec![], false).unwrap().is_empty());
        // a part no statement names
        let other = sha2_like(&h, b"x").unwrap();
        assert!(received(&[&linked], vec![part(&other, b"x")], true).unwrap_err().contains("no attachment"));
        // headers
        let mut bare = part(&h, data);
        bare.headers.retain(|(n, _)| n != "x-experience-api-hash");
        assert!(received(&[&with], vec![bare], true).unwrap_err().contains("X-Experience-API-Hash"));
        let mut b64 = part(&h, data);
        b64.headers[1].1 = "base64".into();
        assert!(received(&[&with], vec![b64], true).unwrap_err().contains("binary"));
        let mut typed = part(&h, data);
        typed.headers[0].1 = "image/png".into();
        assert!(received(&[&with], vec![typed], true).unwrap_err().contains("contentType"));
    }

    #[test]
    fn every_sha2_length_is_known() {
        assert_eq!(sha2_like(&"0".repeat(64), b"abc").unwrap(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
        for n in [56, 96, 128] {
            assert_eq!(sha2_like(&"0".repeat(n), b"abc").unwrap().len(), n);
        }
        assert_eq!(sha2_like("abc", b"abc"), None);
    }
}
