//! The xAPI 1.0.3 record store's own rules, apart from storage and HTTP:
//! what a valid Statement is and what it names ([`validate`]), and the
//! statements the platform writes about its own progress records
//! ([`platform`]).

pub mod attachments;
pub mod multipart;
pub mod platform;
pub mod signature;
pub mod validate;
