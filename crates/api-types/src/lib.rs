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

/// Every schema-level example of the spec is a value of its type: it deserializes, and
/// serializes back to the same JSON (no misspelt or missing field, enums and decimals in
/// their serialized form).
#[cfg(test)]
#[cfg(feature = "openapi")]
mod examples {
    use serde::{de::DeserializeOwned, Serialize};
    use utoipa::{PartialSchema, ToSchema};

    fn round_trip<T: ToSchema + PartialSchema + Serialize + DeserializeOwned>() {
        let schema = serde_json::to_value(T::schema()).expect("schema");
        let example = schema
            .get("example")
            .unwrap_or_else(|| panic!("{} has no example", T::name()))
            .clone();
        let value: T = serde_json::from_value(example.clone())
            .unwrap_or_else(|e| panic!("{}'s example does not deserialize: {e}", T::name()));
        let back = serde_json::to_value(&value).expect("serialize");
        assert_eq!(back, example, "{}'s example does not round-trip", T::name());
    }

    macro_rules! round_trips {
        ($($t:ty),* $(,)?) => {
            #[test]
            fn examples_round_trip() {
                $(round_trip::<$t>();)*
            }
        };
    }

    use crate::*;
    round_trips!(
        UserInfo,
        LoginResponse,
        ServiceTokenResponse,
        MeResponse,
        StaffAccount,
        PasswordResetResponse,
        Job,
        Health,
        Coupon,
        CouponStats,
        CouponPage,
        QuoteResponse,
        CouponRedemption,
        RedemptionPage,
        Customer,
        LoyaltySummary,
        AvailableCoupon,
        CustomerProfile,
        CustomerExport,
        Product,
        ProductPage,
        Receipt,
        ReceiptLine,
        Seller,
        SalesSummary,
        SalesHistory,
        Analysis,
        AnalysisPage,
        LoyaltyMove,
        MovePage,
        LevelStats,
        TopCustomer,
        LoyaltyStats,
        Rate,
        KpiPeriod,
        KpiDashboard,
        crm_domain::loyalty::LoyaltyPolicy,
        StoreView,
        TillView,
        StaffPage,
        CreatedUser,
        PriceListReport,
        WebhookEndpoint,
        CreatedWebhook,
        WebhookList,
        WebhookDelivery,
        WebhookDeliveryPage,
        WebhookPayload,
    );
}
