//! Pagination cursors: opaque, tamper-evident, bound to tenant and list.
//!
//! `cur_` + base64url(JSON {t: tenant, l: list, k: keyset position}) + `.` +
//! base64url(HMAC-SHA256 over the payload, first 16 bytes). The key comes
//! from the database so every server process accepts every other's cursors.

use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use sha2::Sha256;

const PREFIX: &str = "cur_";

#[derive(Serialize, Deserialize)]
struct Payload {
    t: i64,
    l: String,
    k: Value,
}

#[derive(Clone)]
pub struct CursorCodec {
    key: Vec<u8>,
}

impl CursorCodec {
    pub fn new(key: &[u8]) -> Self {
        CursorCodec { key: key.to_vec() }
    }

    fn mac(&self, payload: &[u8]) -> Vec<u8> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.key).expect("HMAC takes any key length");
        mac.update(payload);
        mac.finalize().into_bytes()[..16].to_vec()
    }

    pub fn encode(&self, tenant: i64, list: &str, position: Value) -> String {
        let payload = serde_json::to_vec(&Payload { t: tenant, l: list.to_owned(), k: position }).unwrap_or_default();
        format!("{PREFIX}{}.{}", B64.encode(&payload), B64.encode(self.mac(&payload)))
    }

    /// The keyset position, if the cursor is intact and was issued for this
    /// tenant and list; `None` otherwise (the caller answers invalid_cursor).
    pub fn decode(&self, tenant: i64, list: &str, cursor: &str) -> Option<Value> {
        let (payload_b64, mac_b64) = cursor.strip_prefix(PREFIX)?.split_once('.')?;
        let payload = B64.decode(payload_b64).ok()?;
        let mac = B64.decode(mac_b64).ok()?;
        // constant-time comparison
        let mut verifier = Hmac::<Sha256>::new_from_slice(&self.key).ok()?;
        verifier.update(&payload);
        verifier.verify_truncated_left(&mac).ok()?;
        if mac.len() != 16 {
            return None;
        }
        let p: Payload = serde_json::from_slice(&payload).ok()?;
        (p.t == tenant && p.l == list).then_some(p.k)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn round_trips_and_rejects_tampering_and_rebinding() {
        let c = CursorCodec::new(b"k");
        let cur = c.encode(7, "users", json!([42]));
        assert_eq!(c.decode(7, "users", &cur), Some(json!([42])));
        assert_eq!(c.decode(8, "users", &cur), None, "other tenant");
        assert_eq!(c.decode(7, "posts", &cur), None, "other list");
        let forged = c.encode(7, "users", json!([1]));
        let (p1, _) = cur.split_once('.').unwrap();
        let (_, m2) = forged.split_once('.').unwrap();
        assert_eq!(c.decode(7, "users", &format!("{p1}.{m2}")), None, "spliced mac");
        assert_eq!(CursorCodec::new(b"other").decode(7, "users", &cur), None, "other key");
        assert_eq!(c.decode(7, "users", "garbage"), None);
    }

    /// The longest cursor any list issues is one of a directory list (their
    /// positions carry a name): at the longest name, in the characters JSON
    /// writes longest (4-byte UTF-8, or a 6-byte `\u` escape), with the largest
    /// ids, it still fits the `maxLength` openapi.yaml gives the `cursor`
    /// parameter, so the server never issues a cursor it would refuse.
    #[test]
    fn the_longest_cursor_a_list_issues_fits_the_documented_max_length() {
        let doc: serde_yaml::Value = serde_yaml::from_str(include_str!("../../openapi.yaml")).unwrap();
        let documented = doc["components"]["parameters"]["Cursor"]["schema"]["maxLength"].as_u64().unwrap() as usize;
        let c = CursorCodec::new(&[7; 32]);
        let max = crate::store::helpdesk::DIRECTORY_NAME_MAX_CHARS;
        for name in ["\u{1F600}".repeat(max), "\u{1}".repeat(max)] {
            for list in ["helpdesk_queues", "helpdesk_agents", "helpdesk_help_topics"] {
                let cursor = c.encode(i64::MAX, list, json!([name, i64::MAX]));
                assert!(cursor.len() <= documented, "{list}: a {}-character cursor, documented maxLength {documented}", cursor.len());
                assert_eq!(c.decode(i64::MAX, list, &cursor), Some(json!([name, i64::MAX])));
            }
        }
    }
}
