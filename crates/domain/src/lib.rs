//! Business rules of the supermarket CRM: values and decisions, no I/O.
//!
//! Everything here compiles for wasm32 too, so the SPA formats money and levels exactly
//! like the server does.

pub mod barcode;
pub mod codes;
pub mod coupon;
pub mod customer;
pub mod job;
pub mod kpi;
pub mod loyalty;
pub mod money;
pub mod password;
#[cfg(feature = "periods")]
pub mod period;
#[cfg(feature = "phone")]
pub mod phone;
pub mod role;
pub mod sale;
pub mod webhook;

pub use loyalty::Level;
pub use money::Money;
pub use role::{Capability, Role, Scope};
