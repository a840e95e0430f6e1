//! The JSON bodies of `/api/v1`: one definition for the server, the SPA and the spec.
//!
//! Field names are the public contract for integrators; change them only with a new
//! API version.

pub mod admin;
pub mod audit;
pub mod auth;
pub mod coupons;
pub mod customers;
pub mod jobs;
pub mod kpis;
pub mod loyalty;
pub mod problem;
pub mod sales;
pub mod webhooks;

pub use admin::*;
pub use audit::*;
pub use auth::*;
pub use coupons::*;
pub use customers::*;
pub use jobs::*;
pub use kpis::*;
pub use loyalty::*;
pub use problem::*;
pub use sales::*;
pub use webhooks::*;
