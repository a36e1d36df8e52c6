//! The pure SCIM 2.0 core (RFC 7643 schemas, RFC 7644 protocol): schema data,
//! filters, PATCH and resource normalisation/projection over `serde_json::Value`.
//! Errors become the SCIM error body through `ApiError` (`api::scim`), rendered
//! once for every SCIM operation by the exchange.

pub mod filter;
pub mod patch;
pub mod resource;
pub mod schema;


/// A SCIM error: HTTP status, RFC 7644 §3.12 `scimType` and a precise detail.
#[derive(Debug, Clone, PartialEq)]
pub struct ScimError {
    pub status: u16,
    pub scim_type: Option<&'static str>,
    pub detail: String,
}

impl ScimError {
    pub fn new(status: u16, scim_type: Option<&'static str>, detail: impl Into<String>) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
        }
    }
    pub fn invalid_filter(d: impl Into<String>) -> Self {
        Self::new(400, Some("invalidFilter"), d)
    }
    pub fn invalid_path(d: impl Into<String>) -> Self {
        Self::new(400, Some("invalidPath"), d)
    }
    pub fn no_target(d: impl Into<String>) -> Self {
        Self::new(400, Some("noTarget"), d)
    }
    pub fn invalid_value(d: impl Into<String>) -> Self {
        Self::new(400, Some("invalidValue"), d)
    }
    pub fn invalid_syntax(d: impl Into<String>) -> Self {
        Self::new(400, Some("invalidSyntax"), d)
    }
    pub fn mutability(d: impl Into<String>) -> Self {
        Self::new(400, Some("mutability"), d)
    }
    pub fn too_many(d: impl Into<String>) -> Self {
        Self::new(400, Some("tooMany"), d)
    }
    pub fn uniqueness(d: impl Into<String>) -> Self {
        Self::new(409, Some("uniqueness"), d)
    }

    /// The same error with `prefix: ` put before the detail.
    pub fn prefixed(self, prefix: &str) -> Self {
        ScimError {
            detail: format!("{prefix}: {}", self.detail),
            ..self
        }
    }
}

impl std::fmt::Display for ScimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.scim_type {
            Some(t) => write!(f, "{} {}: {}", self.status, t, self.detail),
            None => write!(f, "{}: {}", self.status, self.detail),
        }
    }
}

impl std::error::Error for ScimError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constructors_and_json() {
        let e = ScimError::too_many("x");
        assert_eq!((e.status, e.scim_type), (400, Some("tooMany")));
        let e = ScimError::uniqueness("userName 'a' exists");
        assert_eq!((e.status, e.scim_type), (409, Some("uniqueness")));
        assert_eq!(
            ScimError::invalid_path("p")
                .prefixed("Operations[1]")
                .detail,
            "Operations[1]: p"
        );
        assert_eq!(ScimError::no_target("n").scim_type, Some("noTarget"));
        assert_eq!(
            ScimError::invalid_syntax("n").scim_type,
            Some("invalidSyntax")
        );
        assert_eq!(ScimError::mutability("n").scim_type, Some("mutability"));
        assert_eq!(
            ScimError::invalid_value("n").scim_type,
            Some("invalidValue")
        );
        assert_eq!(
            ScimError::invalid_filter("n").scim_type,
            Some("invalidFilter")
        );
        assert_eq!(ScimError::new(500, None, "x").to_string(), "500: x");
    }
}
