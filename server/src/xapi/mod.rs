//! The xAPI 1.0.3 record store's own rules, apart from storage and HTTP:
//! what a valid Statement is and what it names ([`validate`]).

pub mod validate;
