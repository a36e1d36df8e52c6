//! The scope vocabulary and what each scope implies.

pub const ALL: [&str; 19] = [
    "events:read", "users:read", "posts:read", "listings:read", "files:read", "reports:read",
    "reports:manage", "webhooks:read", "webhooks:manage", "helpdesk:read", "helpdesk:write",
    "helpdesk:admin", "learn:read", "learn:write", "learn:xapi:read", "learn:xapi:write",
    "learn:cohorts:grant", "know:read", "know:write",
];

/// The scopes a granted scope includes besides itself: manage/write/admin
/// include the matching read, and helpdesk:admin includes helpdesk:write.
fn implied(scope: &str) -> &'static [&'static str] {
    match scope {
        "reports:manage" => &["reports:read"],
        "webhooks:manage" => &["webhooks:read"],
        "helpdesk:write" => &["helpdesk:read"],
        "helpdesk:admin" => &["helpdesk:write", "helpdesk:read"],
        "learn:write" => &["learn:read"],
        "learn:xapi:write" => &["learn:xapi:read"],
        "know:write" => &["know:read"],
        _ => &[],
    }
}

pub fn is_known(scope: &str) -> bool {
    ALL.contains(&scope)
}

pub fn grants(granted: &[String], required: &str) -> bool {
    granted.iter().any(|g| g == required || implied(g).contains(&required))
}

/// Every scope, for `--scopes all`.
pub fn all() -> Vec<String> {
    ALL.iter().map(|s| s.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn implications() {
        let g = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(grants(&g(&["helpdesk:admin"]), "helpdesk:read"));
        assert!(grants(&g(&["helpdesk:admin"]), "helpdesk:write"));
        assert!(!grants(&g(&["helpdesk:write"]), "helpdesk:admin"));
        assert!(grants(&g(&["reports:manage"]), "reports:read"));
        assert!(!grants(&g(&["reports:read"]), "reports:manage"));
        assert!(!grants(&g(&["users:read"]), "posts:read"));
        assert_eq!(all().len(), 19);
    }
}
