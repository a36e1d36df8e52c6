//! mobieusKnow's own rules, apart from storage and HTTP: Markdown rendered
//! safely ([`markdown`]), revisions compared ([`diff`]), and search queries
//! read, ranked and quoted the same way on both databases ([`search`]).

pub mod diff;
pub mod markdown;
pub mod search;
