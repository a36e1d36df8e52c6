//! mobieusHelp's handlers, one file per resource family.

mod ai;
mod audit;
mod canned;
mod directory;
mod notification_prefs;
mod tags;
mod tickets;
