//! Coupons (SPEC §3): the marketing back office, the POS quote and the bulk issue.
//! Amounts are whole FCFA; a PERCENT coupon's `value` is a whole percent (1–100).

use crate::sales::SaleLineRequest;
use chrono::{DateTime, NaiveDate, Utc};
pub use crm_domain::coupon::{CouponKind, CouponStatus, DiscountKind};
pub use crm_domain::sale::Category;
use crm_domain::Level;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

fn default_cap() -> u32 {
    1
}

fn yes() -> bool {
    true
}

/// A coupon as marketing sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 42, "code": "NOEL2026", "kind": "GENERIC", "discount_kind": "PERCENT", "value": 10,
    "description": "Noël : 10 % dès 20 000 FCFA", "valid_from": "2026-12-15",
    "valid_to": "2026-12-31", "global_cap": 500, "per_customer_cap": 1, "min_basket": 20000,
    "required_level": null, "customer_id": null,
    "eligible_categories": ["ALIMENTAIRE", "BOISSONS"], "stacks_with_loyalty": true,
    "status": "ACTIVE", "uses_count": 0, "issue_job_id": null,
    "created_at": "2026-12-07T09:05:00Z"
})))]
pub struct Coupon {
    /// Id.
    pub id: i64,
    /// Code (upper case, no spaces).
    pub code: String,
    /// A public promo code, or one customer's.
    pub kind: CouponKind,
    /// A percentage of the eligible lines, or an amount of FCFA.
    pub discount_kind: DiscountKind,
    /// Whole percent (1–100) or FCFA.
    pub value: i64,
    /// What the customer gets.
    pub description: String,
    /// First valid day (inclusive).
    pub valid_from: NaiveDate,
    /// Last valid day (inclusive).
    pub valid_to: NaiveDate,
    /// Most uses in all; absent = unlimited.
    pub global_cap: Option<u32>,
    /// Most uses per customer.
    pub per_customer_cap: u32,
    /// Smallest basket (sous-total), FCFA.
    pub min_basket: i64,
    /// Lowest loyalty level, if any.
    pub required_level: Option<Level>,
    /// Holder of a SPECIAL coupon.
    pub customer_id: Option<i64>,
    /// Categories the discount applies to; empty = every line.
    pub eligible_categories: Vec<Category>,
    /// Adds to the loyalty discount.
    pub stacks_with_loyalty: bool,
    /// `ACTIVE`, `INACTIVE`, `EXPIRED` (an active coupon past its last day) or `EXHAUSTED`
    /// (an active coupon with no use left: global cap reached, or a SPECIAL one used up).
    pub status: CouponStatus,
    /// Uses that count against the caps (refunds excluded).
    pub uses_count: u32,
    /// The bulk issue that created it, if any.
    pub issue_job_id: Option<i64>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
}

/// `POST /coupons`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "kind": "GENERIC", "code": "NOEL2026", "discount_kind": "PERCENT", "value": 10,
    "description": "Noël : 10 % dès 20 000 FCFA", "valid_from": "2026-12-15",
    "valid_to": "2026-12-31", "global_cap": 500, "per_customer_cap": 1, "min_basket": 20000,
    "eligible_categories": ["ALIMENTAIRE", "BOISSONS"]
})))]
#[serde(deny_unknown_fields)]
pub struct CreateCouponRequest {
    /// `GENERIC` or `SPECIAL`.
    // Text in Rust, an enum in the document: a value outside it is answered with this
    // API's own 422 code, not the body parser's.
    #[cfg_attr(feature = "openapi", schema(value_type = CouponKind))]
    pub kind: String,
    /// A chosen code for a GENERIC promo (`NOEL2026`); absent = generated.
    #[serde(default)]
    pub code: Option<String>,
    /// `PERCENT` or `FIXED`.
    #[cfg_attr(feature = "openapi", schema(value_type = DiscountKind))]
    pub discount_kind: String,
    /// Whole percent (1–100) or FCFA (> 0).
    pub value: i64,
    /// What the customer gets (shown at the till).
    pub description: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Most uses in all; absent = unlimited.
    #[serde(default)]
    pub global_cap: Option<u32>,
    /// Most uses per customer (default 1).
    #[serde(default = "default_cap")]
    pub per_customer_cap: u32,
    /// Smallest basket, FCFA (default 0).
    #[serde(default)]
    pub min_basket: i64,
    /// Lowest loyalty level, if any.
    #[serde(default)]
    pub required_level: Option<String>,
    /// The holder, for a SPECIAL coupon.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// Categories the discount applies to (default: every line).
    #[serde(default)]
    pub eligible_categories: Vec<String>,
    /// Adds to the loyalty discount (default true).
    #[serde(default = "yes")]
    pub stacks_with_loyalty: bool,
}

/// Figures shown above the coupon list.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"total": 128, "active": 37, "uses": 2514, "discount_given": 3127500})))]
pub struct CouponStats {
    /// Coupons in all.
    pub total: i64,
    /// Usable today.
    pub active: i64,
    /// Uses (refunds excluded).
    pub uses: i64,
    /// Discount granted by those uses, FCFA.
    pub discount_given: i64,
}

/// `GET /coupons`: a page and the figures.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [
        {
            "id": 42, "code": "NOEL2026", "kind": "GENERIC", "discount_kind": "PERCENT",
            "value": 10, "description": "Noël : 10 % dès 20 000 FCFA",
            "valid_from": "2026-12-15", "valid_to": "2026-12-31", "global_cap": 500,
            "per_customer_cap": 1, "min_basket": 20000, "required_level": null,
            "customer_id": null, "eligible_categories": ["ALIMENTAIRE", "BOISSONS"],
            "stacks_with_loyalty": true, "status": "ACTIVE", "uses_count": 0,
            "issue_job_id": null, "created_at": "2026-12-07T09:05:00Z"
        }
    ],
    "total": 1, "page": 1, "per_page": 50,
    "stats": {"total": 128, "active": 37, "uses": 2514, "discount_given": 3127500}
})))]
pub struct CouponPage {
    /// Coupons of this page, newest first.
    pub items: Vec<Coupon>,
    /// Coupons matching the filters.
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
    /// Figures over every coupon.
    pub stats: CouponStats,
}

/// `POST /coupons/quote`: check a code against the current basket, consuming nothing.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "code": "NOEL2026", "customer_id": 1,
    "lines": [{"barcode": "6191000000016", "quantity": 2}, {"barcode": "6191000000078", "quantity": 6}]
})))]
#[serde(deny_unknown_fields)]
pub struct QuoteRequest {
    /// The code as typed (case and spaces ignored).
    pub code: String,
    /// Identified customer; absent = anonymous.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// The till the sale will be made at, as in `POST /sales`: its store's day decides the
    /// coupon's dates, so the quote and the sale agree. Absent = the default till.
    #[serde(default)]
    pub till_id: Option<i64>,
    /// The basket.
    pub lines: Vec<SaleLineRequest>,
}

/// The answer to a quote.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "valid": true, "reason_code": null, "message": null, "code": "NOEL2026",
    "description": "Noël : 10 % dès 20 000 FCFA", "discount": 2040, "eligible_lines": [0, 1],
    "subtotal": 20400, "loyalty_discount": 1020, "total": 17340
})))]
pub struct QuoteResponse {
    /// Whether the coupon applies to this basket now.
    pub valid: bool,
    /// Why not (`coupon.global_cap_reached`…), checked in SPEC §3 order.
    pub reason_code: Option<String>,
    /// The reason in French, for the cashier.
    pub message: Option<String>,
    /// The normalised code.
    pub code: String,
    /// What the coupon is, when it exists.
    pub description: Option<String>,
    /// Coupon discount, FCFA (0 when refused).
    pub discount: i64,
    /// Indexes (from 0) of the basket lines the discount applies to.
    pub eligible_lines: Vec<usize>,
    /// Sous-total of the basket.
    pub subtotal: i64,
    /// Loyalty discount of the identified customer.
    pub loyalty_discount: i64,
    /// Total TTC with the coupon (without it when refused).
    pub total: i64,
}

/// One use of a coupon.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 7, "sale_id": 120, "ticket_number": "TKT-ABJ-PLATEAU-20261207-0001", "customer_id": 1,
    "customer_number": "CLT0000001", "amount": 1500, "at": "2026-12-07T10:12:00Z",
    "released_at": null
})))]
pub struct CouponRedemption {
    /// Id.
    pub id: i64,
    /// The sale.
    pub sale_id: i64,
    /// Its ticket number.
    pub ticket_number: String,
    /// The customer, if identified.
    pub customer_id: Option<i64>,
    /// Their customer number.
    pub customer_number: Option<String>,
    /// Discount granted, FCFA.
    pub amount: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// When a refund or cancellation gave the use back.
    pub released_at: Option<DateTime<Utc>>,
}

/// `GET /coupons/{id}/redemptions`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [
        {
            "id": 7, "sale_id": 120, "ticket_number": "TKT-ABJ-PLATEAU-20261207-0001",
            "customer_id": 1, "customer_number": "CLT0000001", "amount": 1500,
            "at": "2026-12-07T10:12:00Z", "released_at": null
        }
    ],
    "total": 1, "page": 1, "per_page": 50
})))]
pub struct RedemptionPage {
    /// Uses of this page, newest first.
    pub items: Vec<CouponRedemption>,
    /// Uses in all (released included).
    pub total: u64,
    /// Page number, from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// `POST /coupons/bulk-issue`: a SPECIAL coupon for every customer of a level and above
/// who does not already hold an active, unused one.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "min_level": "GOLD", "discount_kind": "FIXED", "value": 2000,
    "description": "Merci : 2 000 FCFA offerts", "valid_from": "2026-12-07",
    "valid_to": "2027-01-06", "min_basket": 10000
})))]
#[serde(deny_unknown_fields)]
pub struct BulkIssueRequest {
    /// Lowest level served (`SILVER` = Silver, Gold and VIP).
    // Text in Rust, an enum in the document: a value outside it is answered with this
    // API's own 422 code, not the body parser's.
    #[cfg_attr(feature = "openapi", schema(value_type = Level))]
    pub min_level: String,
    /// `PERCENT` or `FIXED`.
    #[cfg_attr(feature = "openapi", schema(value_type = DiscountKind))]
    pub discount_kind: String,
    /// Whole percent (1–100) or FCFA (> 0).
    pub value: i64,
    /// What the customer gets.
    pub description: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Uses per customer (default 1).
    #[serde(default = "default_cap")]
    pub per_customer_cap: u32,
    /// Smallest basket, FCFA (default 0).
    #[serde(default)]
    pub min_basket: i64,
    /// Categories the discount applies to (default: every line).
    #[serde(default)]
    pub eligible_categories: Vec<String>,
    /// Adds to the loyalty discount (default true).
    #[serde(default = "yes")]
    pub stacks_with_loyalty: bool,
}
