//! Pieces shared by several screens.

pub mod guard;
pub mod message;
pub mod section;

pub use guard::Guarded;
pub use message::Msg;
pub use section::Section;
