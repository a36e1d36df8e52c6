//! The conformance suite lives in `tests/`: the contract (documented routes
//! against dropshot's own description and the running server), the
//! cross-cutting rules, and end-to-end runs through the generated client.
