//! The schema, one migration per feature; each runs unchanged on SQLite and PostgreSQL.
//!
//! The whole data model is described in `docs/architecture.md`; tables are created by the
//! issue that first needs them, in the shape designed there.

pub use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_sales;
mod m0003_legacy;
mod m0004_sales_rollups;
mod m0005_coupons;
mod m0006_coupon_offer_index;
mod m0007_access;
mod m0008_refunds_and_service_sellers;
mod m0009_login_attempts;
mod m0010_redemptions_by_customer;
mod m0011_loyalty_analysis;
mod m0012_settings;
mod m0013_kpis;
mod m0014_loyalty_speed;
mod m0015_customer_search;
mod m0016_audit_browse;
mod m0017_backoffice_admin;
mod m0018_webhooks;
mod m0019_job_heartbeat;
mod shape;

/// Every migration, oldest first.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_sales::Migration),
            Box::new(m0003_legacy::Migration),
            Box::new(m0004_sales_rollups::Migration),
            Box::new(m0005_coupons::Migration),
            Box::new(m0006_coupon_offer_index::Migration),
            Box::new(m0007_access::Migration),
            Box::new(m0008_refunds_and_service_sellers::Migration),
            Box::new(m0009_login_attempts::Migration),
            Box::new(m0010_redemptions_by_customer::Migration),
            Box::new(m0011_loyalty_analysis::Migration),
            Box::new(m0012_settings::Migration),
            Box::new(m0013_kpis::Migration),
            Box::new(m0014_loyalty_speed::Migration),
            Box::new(m0015_customer_search::Migration),
            Box::new(m0016_audit_browse::Migration),
            Box::new(m0017_backoffice_admin::Migration),
            Box::new(m0018_webhooks::Migration),
            Box::new(m0019_job_heartbeat::Migration),
        ]
    }
}
