//! Standard Webhooks verification: `webhook-signature` carries one or more
//! `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` (several while a secret
//! rotates); the secret is `whsec_<base64 key>`. Timestamps more than the
//! tolerance off are refused, and so are ids already seen (replays).

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::Sha256;

pub const DEFAULT_TOLERANCE_SECONDS: i64 = 300;

#[derive(Debug, PartialEq, Eq)]
pub enum VerifyError {
    BadSecret,
    MissingHeader(&'static str),
    BadTimestamp,
    TimestampOutOfTolerance,
    NoMatchingSignature,
    Replayed,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{self:?}")
    }
}

impl std::error::Error for VerifyError {}

fn key_of(secret: &str) -> Result<Vec<u8>, VerifyError> {
    B64.decode(secret.strip_prefix("whsec_").unwrap_or(secret)).map_err(|_| VerifyError::BadSecret)
}

/// The `v1,...` signature of a message (what a sender puts in the header).
pub fn sign(secret: &str, id: &str, timestamp: i64, body: &[u8]) -> Result<String, VerifyError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(&key_of(secret)?).map_err(|_| VerifyError::BadSecret)?;
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    Ok(format!("v1,{}", B64.encode(mac.finalize().into_bytes())))
}

/// Verifies signature and timestamp (no replay memory; see [`Verifier`]).
pub fn verify_webhook(
    secret: &str,
    id: &str,
    timestamp: &str,
    signatures: &str,
    body: &[u8],
    now_unix: i64,
    tolerance_seconds: i64,
) -> Result<(), VerifyError> {
    if id.is_empty() {
        return Err(VerifyError::MissingHeader("webhook-id"));
    }
    let ts: i64 = timestamp.trim().parse().map_err(|_| VerifyError::BadTimestamp)?;
    if (now_unix - ts).abs() > tolerance_seconds {
        return Err(VerifyError::TimestampOutOfTolerance);
    }
    let key = key_of(secret)?;
    for candidate in signatures.split_whitespace() {
        let Some(sig) = candidate.strip_prefix("v1,") else { continue };
        let Ok(sig) = B64.decode(sig) else { continue };
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).map_err(|_| VerifyError::BadSecret)?;
        mac.update(format!("{id}.{ts}.").as_bytes());
        mac.update(body);
        if mac.verify_slice(&sig).is_ok() {
            return Ok(());
        }
    }
    Err(VerifyError::NoMatchingSignature)
}

/// A receiver's verifier: signature, timestamp, and a memory of recent ids.
pub struct Verifier {
    secrets: Vec<String>,
    tolerance_seconds: i64,
    seen: Mutex<(HashSet<String>, VecDeque<String>)>,
    memory: usize,
}

impl Verifier {
    /// One or more secrets (during a rotation a receiver may hold both).
    pub fn new(secrets: Vec<String>) -> Self {
        Verifier { secrets, tolerance_seconds: DEFAULT_TOLERANCE_SECONDS, seen: Mutex::new(Default::default()), memory: 100_000 }
    }

    /// Verifies a delivery from its three headers and body; a verified id is
    /// remembered and refused the next time.
    pub fn verify(&self, id: &str, timestamp: &str, signatures: &str, body: &[u8]) -> Result<(), VerifyError> {
        let now = chrono::Utc::now().timestamp();
        let mut last = Err(VerifyError::NoMatchingSignature);
        for secret in &self.secrets {
            last = verify_webhook(secret, id, timestamp, signatures, body, now, self.tolerance_seconds);
            if last.is_ok() || matches!(last, Err(VerifyError::TimestampOutOfTolerance | VerifyError::BadTimestamp)) {
                break;
            }
        }
        last?;
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        if !seen.0.insert(id.to_owned()) {
            return Err(VerifyError::Replayed);
        }
        seen.1.push_back(id.to_owned());
        if seen.1.len() > self.memory
            && let Some(old) = seen.1.pop_front() {
                seen.0.remove(&old);
            }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // The example from the Standard Webhooks specification.
    const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    const ID: &str = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    const TS: i64 = 1614265330;
    const BODY: &[u8] = br#"{"test": 2432232314}"#;
    const SIG: &str = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

    #[test]
    fn matches_the_specification_example() {
        assert_eq!(sign(SECRET, ID, TS, BODY).unwrap(), SIG);
        assert_eq!(verify_webhook(SECRET, ID, &TS.to_string(), SIG, BODY, TS + 10, 300), Ok(()));
    }

    #[test]
    fn refuses_tampering_stale_timestamps_and_wrong_secrets() {
        let ts = TS.to_string();
        assert_eq!(verify_webhook(SECRET, ID, &ts, SIG, b"{}", TS, 300), Err(VerifyError::NoMatchingSignature));
        assert_eq!(verify_webhook(SECRET, "msg_other", &ts, SIG, BODY, TS, 300), Err(VerifyError::NoMatchingSignature));
        assert_eq!(verify_webhook(SECRET, ID, &ts, SIG, BODY, TS + 301, 300), Err(VerifyError::TimestampOutOfTolerance));
        assert_eq!(verify_webhook(SECRET, ID, &ts, SIG, BODY, TS - 301, 300), Err(VerifyError::TimestampOutOfTolerance));
        let other = "whsec_".to_owned() + &B64.encode(b"another key entirely");
        assert_eq!(verify_webhook(&other, ID, &ts, SIG, BODY, TS, 300), Err(VerifyError::NoMatchingSignature));
        // one of several signatures (rotation) is enough
        let both = format!("v1,AAAA {SIG}");
        assert_eq!(verify_webhook(SECRET, ID, &ts, &both, BODY, TS, 300), Ok(()));
    }

    #[test]
    fn the_verifier_refuses_replays() {
        let v = Verifier::new(vec![SECRET.into()]);
        let now = chrono::Utc::now().timestamp();
        let sig = sign(SECRET, "msg_1", now, b"{}").unwrap();
        assert_eq!(v.verify("msg_1", &now.to_string(), &sig, b"{}"), Ok(()));
        assert_eq!(v.verify("msg_1", &now.to_string(), &sig, b"{}"), Err(VerifyError::Replayed));
    }
}
