//! One sea-orm entity per table; `docs/architecture.md` has the data model.

pub mod audit_entry;
pub mod customer;
pub mod level_change;
pub mod points_entry;
pub mod refresh_token;
pub mod service_account;
pub mod store;
pub mod till;
pub mod user;
