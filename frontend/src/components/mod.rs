//! Pieces shared by several screens.

pub mod chart;
pub mod guard;
pub mod message;
pub mod pager;
pub mod receipt;
pub mod section;

pub use guard::Guarded;
pub use message::{FormError, Msg};
pub use pager::Pager;
pub use receipt::{print, ReceiptView};
pub use section::Section;
