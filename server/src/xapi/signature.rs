//! Signed statements (Data 2.6): a statement may carry a JWS (RFC 7515) as
//! an attachment of usageType `.../attachments/signature`. The LRS must
//! refuse a malformed one: the JWS decodes (compact serialization), its
//! algorithm is RS256, RS384 or RS512, its payload is the statement as it
//! was before the signature was added (logically: the differences the
//! immutability rules allow are ignored), and when its header carries an
//! X.509 chain (`x5c`) the signature verifies against the first
//! certificate's key. That check catches mistakes; it authenticates no one
//! (the specification says as much), so no chain is validated.

use base64::Engine as _;
use rsa::pkcs1v15::{Signature, VerifyingKey};
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use rsa::RsaPublicKey;
use serde_json::Value;
use sha2::{Sha256, Sha384, Sha512};
use x509_cert::der::{Decode, Encode};

pub const SIGNATURE_USAGE: &str = "http://adlnet.gov/expapi/attachments/signature";

fn base64url(part: &str, what: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part.trim_end_matches('='))
        .map_err(|_| format!("the signature's {what} is not base64url"))
}

/// The statement as a signature covers it: without what the LRS sets or
/// may reserialize (Data 2.3.1: id, authority, stored, timestamp, version,
/// attachments, verbs' display, activities' definitions).
fn signed_part(statement: &Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("definition");
                for (_, child) in m.iter_mut() {
                    strip(child);
                }
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    let mut v = statement.clone();
    if let Some(m) = v.as_object_mut() {
        for member in ["id", "authority", "stored", "timestamp", "version", "attachments"] {
            m.remove(member);
        }
        if let Some(verb) = m.get_mut("verb").and_then(Value::as_object_mut) {
            verb.remove("display");
        }
    }
    strip(&mut v);
    v
}

/// Why the JWS `jws` is not a well-formed signature of `statement`, if it
/// is not.
pub fn check(statement: &Value, jws: &[u8]) -> Result<(), String> {
    let text = std::str::from_utf8(jws).map_err(|_| "the signature is not a JWS (its data is not text)".to_owned())?.trim();
    let pieces: Vec<&str> = text.split('.').collect();
    let [header_b64, payload_b64, signature_b64] = pieces.as_slice() else {
        return Err("the signature is not a JWS in compact serialization (header.payload.signature)".into());
    };
    let header: Value = serde_json::from_slice(&base64url(header_b64, "header")?).map_err(|_| "the signature's JWS header is not JSON".to_owned())?;
    let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
    if !matches!(alg, "RS256" | "RS384" | "RS512") {
        return Err(format!("the signature's algorithm must be RS256, RS384 or RS512, not {alg:?}"));
    }
    let payload: Value = serde_json::from_slice(&base64url(payload_b64, "payload")?).map_err(|_| "the signature's payload is not a JSON statement".to_owned())?;
    if signed_part(&payload) != signed_part(statement) {
        return Err("the signature's payload is not this statement (it signs another)".into());
    }
    let Some(chain) = header.get("x5c") else { return Ok(()) };
    let first = chain.as_array().and_then(|c| c.first()).and_then(Value::as_str).ok_or("the signature's x5c is not an array of certificates")?;
    let der = base64::engine::general_purpose::STANDARD.decode(first).map_err(|_| "the signature's x5c certificate is not base64".to_owned())?;
    let cert = x509_cert::Certificate::from_der(&der).map_err(|e| format!("the signature's x5c certificate does not parse: {e}"))?;
    let spki = cert.tbs_certificate.subject_public_key_info.to_der().map_err(|e| e.to_string())?;
    let key = RsaPublicKey::from_public_key_der(&spki).map_err(|_| "the signature's x5c certificate holds no RSA key".to_owned())?;
    let signed = format!("{header_b64}.{payload_b64}");
    let signature = Signature::try_from(base64url(signature_b64, "signature")?.as_slice()).map_err(|_| "the signature's bytes are malformed".to_owned())?;
    let verified = match alg {
        "RS256" => VerifyingKey::<Sha256>::new(key).verify(signed.as_bytes(), &signature),
        "RS384" => VerifyingKey::<Sha384>::new(key).verify(signed.as_bytes(), &signature),
        _ => VerifyingKey::<Sha512>::new(key).verify(signed.as_bytes(), &signature),
    };
    verified.map_err(|_| "the signature does not verify against its x5c certificate".to_owned())
}

/// Checks every signature attachment of the statements whose data came
/// with the request (a part, by SHA-2).
pub fn check_all(statements: &[&Value], data: &[crate::store::learn::xapi_statements::AttachmentData]) -> Result<(), String> {
    for (i, s) in statements.iter().enumerate() {
        for a in s.get("attachments").and_then(Value::as_array).into_iter().flatten() {
            if a.get("usageType").and_then(Value::as_str) != Some(SIGNATURE_USAGE) {
                continue;
            }
            let sha2 = a.get("sha2").and_then(Value::as_str).unwrap_or("");
            // a signature only linked (fileUrl) cannot be read here: nothing to check
            let Some(d) = data.iter().find(|d| d.sha2.eq_ignore_ascii_case(sha2)) else { continue };
            check(s, &d.content).map_err(|e| format!("statement {i}: {e}"))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn the_signed_part_ignores_what_the_lrs_may_change() {
        let sent = json!({ "actor": { "mbox": "mailto:a@example.org" }, "verb": { "id": "http://v.example/x", "display": { "en": "x" } },
            "object": { "id": "http://a.example/1", "definition": { "name": { "en": "A" } } } });
        let mut stored = sent.clone();
        stored["id"] = json!("x");
        stored["stored"] = json!("2026-01-01T00:00:00Z");
        stored["attachments"] = json!([]);
        stored["verb"]["display"] = json!({ "de": "x" });
        stored["object"]["definition"] = json!({});
        assert_eq!(signed_part(&sent), signed_part(&stored));
        stored["object"]["id"] = json!("http://a.example/2");
        assert_ne!(signed_part(&sent), signed_part(&stored));
    }

    #[test]
    fn malformed_signatures_are_named() {
        let s = json!({ "actor": {}, "verb": {}, "object": {} });
        let b64 = |v: &Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string());
        assert!(check(&s, b"not a jws").unwrap_err().contains("compact"));
        assert!(check(&s, format!("{}.{}.x", b64(&json!({ "alg": "HS256" })), b64(&s)).as_bytes()).unwrap_err().contains("RS256"));
        assert!(check(&s, format!("{}.{}.x", b64(&json!({ "alg": "RS256" })), b64(&json!({ "other": 1 }))).as_bytes()).unwrap_err().contains("another"));
        assert!(check(&s, format!("{}.{}.x", b64(&json!({ "alg": "RS256" })), b64(&s)).as_bytes()).is_ok(), "no x5c: nothing to verify against");
        let bad_cert = format!("{}.{}.x", b64(&json!({ "alg": "RS256", "x5c": ["AAAA"] })), b64(&s));
        assert!(check(&s, bad_cert.as_bytes()).unwrap_err().contains("certificate"));
    }
}
