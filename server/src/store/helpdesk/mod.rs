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

use crate::db::StoreError;

/// Queue, agent and help topic names are 1 to this many characters. Their
/// lists are ordered by name, so a page's cursor carries one: the bound keeps
/// every cursor within the length openapi.yaml documents (tested in
/// cursor.rs).
pub const DIRECTORY_NAME_MAX_CHARS: usize = 100;

/// Refuses a directory name that is blank or too long.
fn directory_name(name: &str) -> Result<(), StoreError> {
    if name.trim().is_empty() || name.chars().count() > DIRECTORY_NAME_MAX_CHARS {
        return Err(StoreError::invalid("name", format!("must be 1 to {DIRECTORY_NAME_MAX_CHARS} characters")));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_directory_name_is_1_to_100_characters() {
        assert!(super::directory_name(&"é".repeat(100)).is_ok());
        for refused in [String::new(), "  ".into(), "é".repeat(101)] {
            assert!(super::directory_name(&refused).is_err(), "{refused:?}");
        }
    }
}
