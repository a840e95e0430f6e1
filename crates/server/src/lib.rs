//! The CRM server: HTTP API, authentication, and the pieces the `crm` binary drives.
//!
//! A request goes: middleware (request id, log line, metrics) → route handler (parse,
//! authorise with a [`auth::Caller`], call `crm-store`, map to `crm-api-types`) →
//! problem+json on any error ([`error::ApiError`]).

pub mod accounts;
pub mod auth;
pub mod backup;
pub mod calendar;
pub mod checkout;
pub mod config;
pub mod csv_export;
pub mod demo;
pub mod error;
pub mod import;
pub mod jobs;
pub mod kpis;
pub mod loyalty;
pub mod loyalty_policy;
pub mod openapi;
pub mod pii;
pub mod price_list;
pub mod routes;
pub mod security_headers;
pub mod staff_cli;
pub mod startup;
pub mod telemetry;
pub mod webhooks;

pub use config::Settings;
pub use startup::Application;
