//! Secrets at rest (webhook signing secrets, tenants' model-provider keys):
//! sealed with the server's master key (`MOBIEUS_MASTER_KEY`) by
//! ChaCha20-Poly1305, bound by the associated data to what they are for
//! (tenant and purpose), so a sealed value copied into another tenant's row
//! does not open.
//!
//! A sealed value reads `v1:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>`;
//! the key id (the first 8 hex digits of the key's SHA-256) says which master
//! key sealed it, so a server started with another key says so instead of
//! failing obscurely, and a rotation can tell old values from new.
//!
//! A server holds a [`Keyring`]: the current key, which seals, and the keys
//! before it (`MOBIEUS_MASTER_KEY_PREVIOUS`), which only open, so that during
//! a rotation every process reads what any other wrote.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::aead::{Aad, LessSafeKey, Nonce, UnboundKey, CHACHA20_POLY1305, NONCE_LEN};
use sha2::{Digest, Sha256};

/// The environment variable that holds the master key.
pub const MASTER_KEY_VAR: &str = "MOBIEUS_MASTER_KEY";
/// Earlier master keys, comma-separated: they open what they sealed, and
/// seal nothing.
pub const PREVIOUS_KEYS_VAR: &str = "MOBIEUS_MASTER_KEY_PREVIOUS";

pub struct MasterKey {
    key: LessSafeKey,
    id: String,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // never the key itself
        write!(f, "MasterKey({})", self.id)
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    #[error("the master key must be 32 bytes, as 64 hex digits or base64")]
    BadMasterKey,
    #[error("the value was sealed by master key {0}, which this server does not hold (MOBIEUS_MASTER_KEY, MOBIEUS_MASTER_KEY_PREVIOUS)")]
    OtherKey(String),
    #[error("MOBIEUS_MASTER_KEY is not set")]
    NoMasterKey,
    #[error("the sealed value is damaged or belongs elsewhere")]
    Damaged,
}

impl MasterKey {
    /// From its text: 64 hex digits, or base64 (standard or URL-safe, padded
    /// or not) of 32 bytes.
    pub fn parse(text: &str) -> Result<Self, SealError> {
        let text = text.trim();
        let bytes = if text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()) {
            (0..32).map(|i| u8::from_str_radix(&text[2 * i..2 * i + 2], 16)).collect::<Result<Vec<u8>, _>>().map_err(|_| SealError::BadMasterKey)?
        } else {
            let unpadded = text.trim_end_matches('=').replace('+', "-").replace('/', "_");
            URL_SAFE_NO_PAD.decode(unpadded).map_err(|_| SealError::BadMasterKey)?
        };
        if bytes.len() != 32 {
            return Err(SealError::BadMasterKey);
        }
        let id = hex8(&Sha256::digest(&bytes));
        let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &bytes).map_err(|_| SealError::BadMasterKey)?);
        Ok(MasterKey { key, id })
    }

    /// The key in the environment: `None` when unset or empty.
    pub fn from_env() -> Result<Option<Self>, SealError> {
        match std::env::var(MASTER_KEY_VAR) {
            Ok(v) if !v.trim().is_empty() => Self::parse(&v).map(Some),
            _ => Ok(None),
        }
    }

    /// Which key this is (not secret: a digest's first 8 hex digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Seals `plain` for `context` (e.g. `ai-key:tenant:7`).
    pub fn seal(&self, plain: &str, context: &str) -> String {
        let mut nonce = [0u8; NONCE_LEN];
        rand::fill(&mut nonce);
        let mut data = plain.as_bytes().to_vec();
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), Aad::from(context.as_bytes()), &mut data)
            .expect("sealing a short value in memory cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&data);
        format!("v1:{}:{}", self.id, URL_SAFE_NO_PAD.encode(out))
    }

    /// Opens what [`seal`](Self::seal) made for the same `context`.
    pub fn open(&self, sealed: &str, context: &str) -> Result<String, SealError> {
        let mut parts = sealed.splitn(3, ':');
        let (Some("v1"), Some(id), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(SealError::Damaged);
        };
        if id != self.id {
            return Err(SealError::OtherKey(id.to_owned()));
        }
        let raw = URL_SAFE_NO_PAD.decode(body).map_err(|_| SealError::Damaged)?;
        if raw.len() < NONCE_LEN {
            return Err(SealError::Damaged);
        }
        let (nonce, data) = raw.split_at(NONCE_LEN);
        let nonce = Nonce::try_assume_unique_for_key(nonce).map_err(|_| SealError::Damaged)?;
        let mut data = data.to_vec();
        let plain = self.key.open_in_place(nonce, Aad::from(context.as_bytes()), &mut data).map_err(|_| SealError::Damaged)?;
        String::from_utf8(plain.to_vec()).map_err(|_| SealError::Damaged)
    }
}

/// The master keys a server holds: the current one seals; it and the
/// previous ones open. Without a current key, values that need not be
/// sealed (webhook signing secrets) are kept as they are, and the server
/// says so when it starts; values that must be (provider keys) are refused.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    current: Option<std::sync::Arc<MasterKey>>,
    previous: Vec<std::sync::Arc<MasterKey>>,
}

impl Keyring {
    pub fn new(current: Option<MasterKey>, previous: Vec<MasterKey>) -> Self {
        Keyring { current: current.map(std::sync::Arc::new), previous: previous.into_iter().map(std::sync::Arc::new).collect() }
    }

    /// `MOBIEUS_MASTER_KEY` and `MOBIEUS_MASTER_KEY_PREVIOUS`; a malformed
    /// key is an error (the server refuses to start rather than run unable
    /// to open what it stored), and previous keys without a current one too.
    pub fn from_env() -> Result<Self, String> {
        let current = MasterKey::from_env().map_err(|e| format!("{MASTER_KEY_VAR}: {e}"))?;
        let previous = match std::env::var(PREVIOUS_KEYS_VAR) {
            Ok(v) => v
                .split(',')
                .filter(|k| !k.trim().is_empty())
                .map(|k| MasterKey::parse(k).map_err(|e| format!("{PREVIOUS_KEYS_VAR}: {e}")))
                .collect::<Result<Vec<_>, _>>()?,
            Err(_) => vec![],
        };
        if current.is_none() && !previous.is_empty() {
            return Err(format!("{PREVIOUS_KEYS_VAR} is set but {MASTER_KEY_VAR} is not"));
        }
        Ok(Keyring::new(current, previous))
    }

    /// The key that seals, if any.
    pub fn current(&self) -> Option<&MasterKey> {
        self.current.as_deref()
    }

    /// Seals with the current key; `NoMasterKey` without one.
    pub fn seal(&self, plain: &str, context: &str) -> Result<String, SealError> {
        self.current().map(|k| k.seal(plain, context)).ok_or(SealError::NoMasterKey)
    }

    /// Seals with the current key, or keeps the value as it is without one.
    pub fn seal_if_keyed(&self, plain: &str, context: &str) -> String {
        self.seal(plain, context).unwrap_or_else(|_| plain.to_owned())
    }

    /// Opens a sealed value with whichever held key sealed it; a value that
    /// was never sealed (kept while no master key was set) is returned as it is.
    pub fn open(&self, stored: &str, context: &str) -> Result<String, SealError> {
        let Some(id) = sealed_by(stored) else { return Ok(stored.to_owned()) };
        let key = self.current.iter().chain(&self.previous).find(|k| k.id() == id).ok_or_else(|| SealError::OtherKey(id.to_owned()))?;
        key.open(stored, context)
    }

    /// The value sealed by the current key, or `None` when it already is
    /// (what `secrets rotate-master-key` writes). Unsealed values are sealed.
    pub fn reseal(&self, stored: &str, context: &str) -> Result<Option<String>, SealError> {
        let current = self.current().ok_or(SealError::NoMasterKey)?;
        if sealed_by(stored) == Some(current.id()) {
            return Ok(None);
        }
        let plain = self.open(stored, context)?;
        Ok(Some(current.seal(&plain, context)))
    }
}

/// The key id a sealed value names (for rotation and error messages);
/// `None` for a value that was never sealed.
pub fn sealed_by(sealed: &str) -> Option<&str> {
    let mut parts = sealed.splitn(3, ':');
    match (parts.next(), parts.next()) {
        (Some("v1"), Some(id)) => Some(id),
        _ => None,
    }
}

fn hex8(digest: &[u8]) -> String {
    digest.iter().take(4).map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEX: &str = "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f";

    #[test]
    fn seals_and_opens_only_for_its_context_and_key() {
        let k = MasterKey::parse(HEX).unwrap();
        let sealed = k.seal("sk-ant-secret", "ai-key:tenant:1");
        assert!(!sealed.contains("secret"));
        assert_eq!(sealed_by(&sealed), Some(k.id()));
        assert_eq!(k.open(&sealed, "ai-key:tenant:1").unwrap(), "sk-ant-secret");
        assert_eq!(k.open(&sealed, "ai-key:tenant:2"), Err(SealError::Damaged));
        // two seals of one value differ (fresh nonces)
        assert_ne!(k.seal("x", "c"), k.seal("x", "c"));
        let other = MasterKey::parse(&"ab".repeat(32)).unwrap();
        assert!(matches!(other.open(&sealed, "ai-key:tenant:1"), Err(SealError::OtherKey(_))));
        let mut tampered = sealed.clone();
        tampered.pop();
        tampered.push(if sealed.ends_with('A') { 'B' } else { 'A' });
        assert_eq!(k.open(&tampered, "ai-key:tenant:1"), Err(SealError::Damaged));
    }

    #[test]
    fn reads_the_key_as_hex_or_base64_and_refuses_other_lengths() {
        let hex = MasterKey::parse(HEX).unwrap();
        let bytes: Vec<u8> = (0u8..32).collect();
        let b64 = base64::engine::general_purpose::STANDARD.encode(&bytes);
        assert_eq!(MasterKey::parse(&b64).unwrap().id(), hex.id());
        assert_eq!(MasterKey::parse(&URL_SAFE_NO_PAD.encode(&bytes)).unwrap().id(), hex.id());
        assert_eq!(MasterKey::parse("short").unwrap_err(), SealError::BadMasterKey);
        assert_eq!(MasterKey::parse(&"ab".repeat(31)).unwrap_err(), SealError::BadMasterKey);
        assert!(!format!("{hex:?}").contains("0001"));
    }

    #[test]
    fn a_keyring_opens_with_any_key_it_holds_and_seals_with_the_current() {
        let old = MasterKey::parse(HEX).unwrap();
        let by_old = old.seal("whsec_abc", "webhook-secret:tenant:1");
        let ring = Keyring::new(Some(MasterKey::parse(&"ab".repeat(32)).unwrap()), vec![MasterKey::parse(HEX).unwrap()]);
        assert_eq!(ring.open(&by_old, "webhook-secret:tenant:1").unwrap(), "whsec_abc");
        let resealed = ring.reseal(&by_old, "webhook-secret:tenant:1").unwrap().unwrap();
        assert_eq!(sealed_by(&resealed), ring.current().map(MasterKey::id));
        assert_eq!(ring.reseal(&resealed, "webhook-secret:tenant:1").unwrap(), None);
        // a value kept unsealed (no key then) is sealed by a rotation
        assert_eq!(ring.open("whsec_plain", "c").unwrap(), "whsec_plain");
        assert!(ring.reseal("whsec_plain", "c").unwrap().unwrap().starts_with("v1:"));
        // the old key alone cannot open what the new one sealed
        let only_old = Keyring::new(Some(MasterKey::parse(HEX).unwrap()), vec![]);
        assert!(matches!(only_old.open(&resealed, "webhook-secret:tenant:1"), Err(SealError::OtherKey(_))));
        // no key: kept as it is, or refused where sealing is required
        let none = Keyring::default();
        assert_eq!(none.seal_if_keyed("whsec_x", "c"), "whsec_x");
        assert_eq!(none.seal("k", "c"), Err(SealError::NoMasterKey));
    }
}
