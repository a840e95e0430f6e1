//! One sea-orm entity per table; `docs/architecture.md` has the data model.

pub mod audit_entry;
pub mod coupon;
pub mod coupon_redemption;
pub mod customer;
pub mod job;
pub mod level_change;
pub mod loyalty_move;
pub mod outbox_event;
pub mod payment;
pub mod points_entry;
pub mod product;
pub mod refresh_token;
pub mod refund_payment;
pub mod sale;
pub mod sale_event;
pub mod sale_line;
pub mod service_account;
pub mod setting;
pub mod store;
pub mod till;
pub mod user;
pub mod webhook_delivery;
pub mod webhook_endpoint;
