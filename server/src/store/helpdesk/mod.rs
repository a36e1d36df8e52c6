//! mobieusHelp: tickets and their threads, queues, agents, help topics,
//! canned responses, tags, notification preferences and the audit log.

pub mod agents;
pub mod audit;
pub mod canned;
pub mod notification_prefs;
pub mod queues;
pub mod tags;
pub mod tickets;
pub mod topics;
