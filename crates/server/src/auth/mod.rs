//! Authentication and authorisation: password hashing and policy, JWT access tokens,
//! refresh tokens, the access gate that stops revoked tokens, login throttling, and the
//! [`Caller`] extractor every protected route takes.

pub mod access;
mod caller;
pub mod password;
pub mod throttle;
pub mod tokens;

pub use caller::{Caller, FlaggedCaller};
