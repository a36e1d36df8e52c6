//! SCORM content packages, checked and understood before anything is
//! stored: [`package`] opens the zip within its limits (sizes counted while
//! inflating, entry paths kept inside the package), [`manifest`] parses its
//! `imsmanifest.xml` (SCORM 1.2 and 2004) into the structure the API shows.
//!
//! Pure functions over bytes; the store keeps what they return.

pub mod manifest;
pub mod package;

pub use manifest::{Structure, Version};
pub use package::{inspect, Inspected, Refusal};
