//! SCIM 2.0 provisioning's storage: tokens, members as SCIM Users, groups.

pub mod groups;
pub mod tokens;
pub mod users;
