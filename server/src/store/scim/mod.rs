//! SCIM 2.0 provisioning's storage: tokens, members as SCIM Users, groups.

pub mod groups;
pub mod tokens;
pub mod users;

/// The most ids a membership read names; a longer list reads the tenant's
/// memberships whole (one indexed range beats an enormous `IN` list).
pub const IN_LIST_MAX: usize = 500;
