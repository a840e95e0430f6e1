//! Customers: identification at the till, creation, back-office reads and writes.

use chrono::{DateTime, NaiveDate, Utc};
pub use crm_domain::Level;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `POST /customers/identify`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"phone": "+225 07 01 23 45 67"})))]
pub struct IdentifyRequest {
    /// The number as typed: `0701234567`, `07 01 23 45 67`, `+225…`, `00225…`.
    pub phone: String,
}

/// `POST /customers`: create (or find) the customer with this phone.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "phone": "07 01 23 45 67", "first_name": "Aya", "last_name": "Kouassi",
    "email": "aya.kouassi@example.ci", "sms_consent": true
})))]
pub struct CreateCustomerRequest {
    /// The number as typed; the only required field.
    pub phone: String,
    /// Prénom.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Nom.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// Agreed to receive SMS offers.
    #[serde(default)]
    pub sms_consent: Option<bool>,
}

/// `PATCH /customers/{id}`: only the fields present change.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"city": "Yamoussoukro", "email_consent": false})))]
pub struct UpdateCustomerRequest {
    /// Prénom.
    #[serde(default)]
    pub first_name: Option<String>,
    /// Nom.
    #[serde(default)]
    pub last_name: Option<String>,
    /// E-mail address.
    #[serde(default)]
    pub email: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Birth date (YYYY-MM-DD).
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// SMS consent.
    #[serde(default)]
    pub sms_consent: Option<bool>,
    /// E-mail consent.
    #[serde(default)]
    pub email_consent: Option<bool>,
    /// Active flag.
    #[serde(default)]
    pub active: Option<bool>,
}

/// A customer as the API shows it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 1, "customer_number": "CLT0000001", "phone": "07 01 23 45 67", "phone_masked": false,
    "first_name": "Aya", "last_name": "Kouassi", "email": "aya.kouassi@example.ci",
    "city": "Abidjan", "birth_date": null, "level": "GOLD", "points": 180,
    "lifetime_spend": 1250000, "purchases_count": 42, "registered_at": "2025-03-02T09:15:00Z",
    "last_visit_at": "2026-11-28T17:40:00Z", "active": true, "sms_consent": true,
    "email_consent": false, "home_store_id": 1, "erased": false
})))]
pub struct Customer {
    /// Internal id.
    pub id: i64,
    /// Customer number (`CLT0000042`).
    pub customer_number: String,
    /// Phone, masked (`07 •• •• 45 67`) unless the caller's role needs the full number.
    pub phone: String,
    /// Whether `phone` is the full number.
    pub phone_masked: bool,
    /// Prénom.
    pub first_name: Option<String>,
    /// Nom.
    pub last_name: Option<String>,
    /// E-mail.
    pub email: Option<String>,
    /// City (Abidjan by default).
    pub city: String,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// Loyalty level.
    pub level: Level,
    /// Loyalty points balance.
    pub points: i64,
    /// Lifetime spend in FCFA.
    pub lifetime_spend: i64,
    /// Completed purchases.
    pub purchases_count: i64,
    /// Registration time.
    pub registered_at: DateTime<Utc>,
    /// Last purchase.
    pub last_visit_at: Option<DateTime<Utc>>,
    /// Active flag.
    pub active: bool,
    /// SMS consent.
    pub sms_consent: bool,
    /// E-mail consent.
    pub email_consent: bool,
    /// Home store id.
    pub home_store_id: Option<i64>,
    /// Set once the person was erased (data kept anonymous for statistics).
    pub erased: bool,
}

/// Loyalty standing shown at the till.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"level": "GOLD", "points": 180, "discount_percent": "5"})))]
pub struct LoyaltySummary {
    /// Level.
    pub level: Level,
    /// Points balance.
    pub points: i64,
    /// Loyalty discount applied at checkout, in percent (decimal string, e.g. `"5"`).
    pub discount_percent: String,
}

/// A coupon the identified customer can use now.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "code": "BIENVENUE", "description": "Bienvenue : 10 % dès 5 000 FCFA",
    "discount_kind": "PERCENT", "value": 10, "min_basket": 5000, "valid_to": "2026-12-31"
})))]
pub struct AvailableCoupon {
    /// Code to type or pick at the till.
    pub code: String,
    /// What the customer gets.
    pub description: String,
    /// A percentage of the eligible lines, or an amount of FCFA.
    pub discount_kind: crm_domain::coupon::DiscountKind,
    /// Whole percent (1–100) or FCFA.
    pub value: i64,
    /// Smallest basket it applies to, FCFA.
    pub min_basket: i64,
    /// Last valid day.
    pub valid_to: NaiveDate,
}

/// `POST /customers/identify` (and creation): everything the till needs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "customer": {
        "id": 1, "customer_number": "CLT0000001", "phone": "07 •• •• 45 67",
        "phone_masked": true, "first_name": "Aya", "last_name": "Kouassi", "email": null,
        "city": "Abidjan", "birth_date": null, "level": "GOLD", "points": 180,
        "lifetime_spend": 1250000, "purchases_count": 42,
        "registered_at": "2025-03-02T09:15:00Z", "last_visit_at": "2026-11-28T17:40:00Z",
        "active": true, "sms_consent": true, "email_consent": false, "home_store_id": 1,
        "erased": false
    },
    "loyalty": {"level": "GOLD", "points": 180, "discount_percent": "5"},
    "available_coupons": [
        {
            "code": "BIENVENUE", "description": "Bienvenue : 10 % dès 5 000 FCFA",
            "discount_kind": "PERCENT", "value": 10, "min_basket": 5000,
            "valid_to": "2026-12-31"
        }
    ]
})))]
pub struct CustomerProfile {
    /// The customer.
    pub customer: Customer,
    /// Level, points and discount.
    pub loyalty: LoyaltySummary,
    /// Coupons usable now.
    pub available_coupons: Vec<AvailableCoupon>,
}

/// A page of customers.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CustomerPage {
    /// Customers of this page.
    pub items: Vec<Customer>,
    /// Matching customers, counted as far as 1 000 or the end of this page if further:
    /// past that, `total_exact` is `false` and more than `total` match (« plus de 1 000 »).
    pub total: u64,
    /// `true` when `total` is the exact count.
    pub total_exact: bool,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// `GET /customers/{id}/export`: everything held about one person (data-subject access).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "exported_at": "2026-12-07T11:02:00Z",
    "customer": {
        "id": 1, "customer_number": "CLT0000001", "phone": "07 01 23 45 67",
        "phone_masked": false, "first_name": "Aya", "last_name": "Kouassi",
        "email": "aya.kouassi@example.ci", "city": "Abidjan", "birth_date": null,
        "level": "GOLD", "points": 180, "lifetime_spend": 1250000, "purchases_count": 42,
        "registered_at": "2025-03-02T09:15:00Z", "last_visit_at": "2026-11-28T17:40:00Z",
        "active": true, "sms_consent": true, "email_consent": false, "home_store_id": 1,
        "erased": false
    },
    "points_ledger": [{"kind": "EARN", "points": 7, "sale_id": 120, "note": null, "at": "2026-11-20T10:12:00Z"}],
    "level_changes": [{"from": "SILVER", "to": "GOLD", "score": 62, "at": "2026-11-01T23:59:59Z"}],
    "sales": [
        {
            "id": 120, "ticket_number": "TKT-ABJ-PLATEAU-20261120-0014", "store_id": 1,
            "status": "COMPLETED", "subtotal": 9000, "loyalty_discount": 450,
            "coupon_discount": 900, "total": 7650, "points_earned": 7,
            "at": "2026-11-20T10:12:00Z",
            "lines": [
                {
                    "product_id": 1, "quantity": 2, "unit_price": 4500, "line_total": 9000,
                    "discount": 1350
                }
            ]
        }
    ],
    "coupons_held": [
        {
            "id": 57, "code": "SPE-7KX3M-9QH4T", "kind": "SPECIAL", "discount_kind": "PERCENT",
            "value": 5, "description": "Félicitations : 5 % pour votre passage Gold",
            "valid_from": "2026-11-02", "valid_to": "2026-12-01", "global_cap": null,
            "per_customer_cap": 1, "min_basket": 10000, "required_level": null,
            "customer_id": 1, "eligible_categories": [], "stacks_with_loyalty": true,
            "status": "EXPIRED", "uses_count": 0, "issue_job_id": null,
            "created_at": "2026-11-01T23:59:59Z"
        }
    ],
    "coupons_used": [
        {
            "code": "BIENVENUE", "sale_id": 120, "amount": 900, "at": "2026-11-20T10:12:00Z",
            "released_at": null
        }
    ]
})))]
pub struct CustomerExport {
    /// When the export was made.
    pub exported_at: DateTime<Utc>,
    /// The customer, with the full phone number.
    pub customer: Customer,
    /// Point movements (earn, reverse, adjust).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub points_ledger: Vec<serde_json::Value>,
    /// Level changes.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub level_changes: Vec<serde_json::Value>,
    /// Purchases made as this customer, with their lines.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub sales: Vec<serde_json::Value>,
    /// Coupons made out to the customer, used or not.
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub coupons_held: Vec<serde_json::Value>,
    /// Coupons used on the customer's purchases (refunded uses show `released_at`).
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub coupons_used: Vec<serde_json::Value>,
}

/// A change of the customer's loyalty level, made by an applied loyalty analysis.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct LevelChange {
    /// Level before.
    pub from_level: Level,
    /// Level after.
    pub to_level: Level,
    /// The score (0–100) that decided it.
    pub score: i32,
    /// The analysis (its job id), if recorded.
    pub analysis_id: Option<i64>,
    /// When it took effect.
    pub changed_at: DateTime<Utc>,
}

/// A coupon used on one of the customer's purchases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CouponUse {
    /// The code used.
    pub code: String,
    /// The sale it was used on.
    pub sale_id: i64,
    /// Discount given, FCFA.
    pub amount: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Set when the sale was refunded or cancelled (the use no longer counts).
    pub released_at: Option<DateTime<Utc>>,
}

/// `GET /customers/{id}/history`: the customer page's level history and coupons.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct CustomerHistory {
    /// Level changes, newest first.
    pub level_changes: Vec<LevelChange>,
    /// Coupons made out to the customer, newest first.
    pub coupons_held: Vec<crate::Coupon>,
    /// Coupons used on the customer's purchases, newest first.
    pub coupons_used: Vec<CouponUse>,
}

/// A movement of the customer's points.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PointsMovement {
    /// `EARN` (a purchase), `REVERSE` (its refund or cancellation), `ADJUST`, `IMPORT`
    /// (the old system's balance) or `DEMO`.
    pub kind: String,
    /// Points added (negative: taken back).
    pub points: i64,
    /// The sale behind it, if any.
    pub sale_id: Option<i64>,
    /// Why, in words.
    pub note: Option<String>,
    /// When.
    pub at: DateTime<Utc>,
}

/// `GET /customers/{id}/points`: a page of the points ledger, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PointsPage {
    /// Movements of this page.
    pub items: Vec<PointsMovement>,
    /// Movements in all.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// One of the customer's purchases.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Purchase {
    /// Sale id (`GET /sales/{id}` for the receipt).
    pub id: i64,
    /// Ticket number.
    pub ticket_number: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Completed, cancelled or refunded.
    pub status: crm_domain::sale::SaleStatus,
    /// Before discounts, FCFA.
    pub subtotal: i64,
    /// Loyalty discount plus coupon discount, FCFA.
    pub discounts: i64,
    /// Paid, FCFA.
    pub total: i64,
    /// Points earned.
    pub points_earned: i64,
}

/// `GET /customers/{id}/purchases`: a page of purchases, newest first.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PurchasePage {
    /// Purchases of this page.
    pub items: Vec<Purchase>,
    /// Purchases in all.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}
