//! Pieces shared by several screens.

pub mod chart;
pub mod day_range;
pub mod guard;
pub mod job_progress;
pub mod listbox;
pub mod message;
pub mod pager;
pub mod receipt;
pub mod section;

pub use guard::Guarded;
pub use job_progress::{follow_job, is_finished, JobProgress, ProgressBar};
pub use listbox::{ListKey, OptionKey, SuggestionList, Suggestions};
pub use message::{FormError, Msg};
pub use pager::Pager;
pub use receipt::{print, ReceiptView};
pub use section::Section;
