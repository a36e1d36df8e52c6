//! mobieusLearn's handlers, one file per resource family.

mod activities;
mod attempts;
mod certificates;
mod cohorts;
mod courses;
mod enrollments;
mod lessons;
mod live;
mod modules;
mod scorm;
mod xapi;
mod xapi_documents;

use mobieus_api::types;

/// The answer to a delete: what was deleted.
pub fn deleted(id: i64, object: &str) -> types::DeletedEnvelope {
    types::DeletedEnvelope { data: types::Deleted { id, object: object.into(), deleted: true }, next_cursor: None, request_id: String::new() }
}
