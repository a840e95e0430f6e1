//! The screens.

pub mod home;
pub mod login;
pub mod placeholder;
pub mod pos;
