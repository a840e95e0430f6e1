//! Authentication and authorisation: password hashing, JWT access tokens, refresh
//! tokens, and the [`Caller`] extractor every protected route takes.

mod caller;
pub mod password;
pub mod tokens;

pub use caller::Caller;
