//! mobieusAI: the tenant's settings (provider, sealed key, hooks, caps) and
//! the usage log every hook call writes.

pub mod context;
pub mod settings;
pub mod usage;
