//! Catalogue, checkout, receipts and the cashier's sales history ("Mes ventes").
//! Amounts are whole FCFA (integers); VAT rates are basis points (1800 = 18 %).

use chrono::{DateTime, NaiveDate, Utc};
use crm_domain::sale::{PaymentMethod, SaleStatus};
use crm_domain::Level;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// A catalogue product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 1, "sku": "RIZ-5KG", "barcode": "6191000000016", "name": "Riz parfumé 5 kg",
    "category": "ALIMENTAIRE", "price": 4500, "cost": 3600, "vat_rate_bp": 1800, "active": true
})))]
pub struct Product {
    /// Id.
    pub id: i64,
    /// Stock-keeping unit, unique.
    pub sku: String,
    /// EAN-13 barcode, unique.
    pub barcode: Option<String>,
    /// Name shown at the till and on receipts.
    pub name: String,
    /// Catalogue category.
    pub category: crm_domain::sale::Category,
    /// Sale price including VAT, FCFA.
    pub price: i64,
    /// Purchase cost, FCFA (shown to back-office roles only; 0 for the till).
    pub cost: i64,
    /// VAT rate in basis points.
    pub vat_rate_bp: u32,
    /// Sold at the till.
    pub active: bool,
}

/// `POST /products`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "sku": "ATTIEKE-1KG", "barcode": "6191000000054", "name": "Attiéké 1 kg",
    "category": "ALIMENTAIRE", "price": 1000, "cost": 750, "vat_rate_bp": 0
})))]
#[serde(deny_unknown_fields)]
pub struct CreateProductRequest {
    /// SKU, unique.
    pub sku: String,
    /// EAN-13 barcode (13 digits, valid check digit).
    #[serde(default)]
    pub barcode: Option<String>,
    /// Name.
    pub name: String,
    /// Category.
    pub category: String,
    /// Price TTC, FCFA, > 0.
    pub price: i64,
    /// Cost, FCFA, ≥ 0.
    #[serde(default)]
    pub cost: i64,
    /// VAT rate, basis points (default 1800).
    #[serde(default)]
    pub vat_rate_bp: Option<u32>,
}

/// `PATCH /products/{id}`: only the fields present change.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"price": 1100, "cost": 780})))]
#[serde(deny_unknown_fields)]
pub struct UpdateProductRequest {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// Category.
    #[serde(default)]
    pub category: Option<String>,
    /// Price TTC.
    #[serde(default)]
    pub price: Option<i64>,
    /// Cost.
    #[serde(default)]
    pub cost: Option<i64>,
    /// VAT rate.
    #[serde(default)]
    pub vat_rate_bp: Option<u32>,
    /// Barcode.
    #[serde(default)]
    pub barcode: Option<String>,
    /// Active flag.
    #[serde(default)]
    pub active: Option<bool>,
}

/// A page of products.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [
        {
            "id": 1, "sku": "RIZ-5KG", "barcode": "6191000000016", "name": "Riz parfumé 5 kg",
            "category": "ALIMENTAIRE", "price": 4500, "cost": 3600, "vat_rate_bp": 1800,
            "active": true
        }
    ],
    "total": 1, "page": 1, "per_page": 50
})))]
pub struct ProductPage {
    /// Products.
    pub items: Vec<Product>,
    /// Total matching.
    pub total: u64,
    /// Page from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// One basket line: a product by id or by barcode, and a quantity. Prices are never
/// taken from the client.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SaleLineRequest {
    /// Product id.
    #[serde(default)]
    pub product_id: Option<i64>,
    /// Or its EAN-13 barcode.
    #[serde(default)]
    pub barcode: Option<String>,
    /// Units, ≥ 1.
    pub quantity: i64,
}

/// One payment.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PaymentRequest {
    /// ESPECES, CARTE, ORANGE_MONEY, MTN_MOMO, MOOV_MONEY, WAVE or CHEQUE.
    // Text, not a `PaymentMethod`: an unknown method is answered with its own code,
    // 422 `payment.method_invalid`, not `validation.failed` for a body that does not
    // parse; and a method in lower case is accepted, as it always was. The document
    // names the methods as an enum.
    #[cfg_attr(feature = "openapi", schema(value_type = PaymentMethod))]
    pub method: String,
    /// Amount tendered, FCFA (cash may exceed what is due: change is returned).
    pub amount: i64,
    /// Transaction or cheque reference.
    #[serde(default)]
    pub reference: Option<String>,
}

/// `POST /sales` (send an `Idempotency-Key` header: a retry returns the first receipt).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "customer_id": 1, "lines": [{"barcode": "6191000000016", "quantity": 2}],
    "coupon_code": "BIENVENUE", "payments": [{"method": "ESPECES", "amount": 10000}]
})))]
#[serde(deny_unknown_fields)]
pub struct CreateSaleRequest {
    /// Till; default: the store's first till.
    #[serde(default)]
    pub till_id: Option<i64>,
    /// Identified customer; absent = anonymous sale.
    #[serde(default)]
    pub customer_id: Option<i64>,
    /// Basket.
    pub lines: Vec<SaleLineRequest>,
    /// A coupon code (case and spaces ignored); checked again, and its use counted,
    /// in the sale's transaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coupon_code: Option<String>,
    /// Payments; their sum must cover the total.
    pub payments: Vec<PaymentRequest>,
}

/// A receipt line.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "product_id": 1, "sku": "RIZ-5KG", "name": "Riz parfumé 5 kg", "quantity": 2,
    "unit_price": 4500, "line_total": 9000, "discount": 1350, "vat_rate_bp": 1800
})))]
pub struct ReceiptLine {
    /// Product id.
    pub product_id: i64,
    /// SKU.
    pub sku: String,
    /// Name.
    pub name: String,
    /// Units.
    pub quantity: i64,
    /// Unit price TTC.
    pub unit_price: i64,
    /// quantity × unit price.
    pub line_total: i64,
    /// Share of the sale's discounts on this line.
    pub discount: i64,
    /// VAT rate, basis points.
    pub vat_rate_bp: u32,
}

/// VAT included, per rate.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct VatBreakdown {
    /// Rate, basis points.
    pub rate_bp: u32,
    /// Amount TTC at this rate after discounts.
    pub base: i64,
    /// VAT included in it.
    pub vat: i64,
    /// Amount excluding VAT.
    pub net: i64,
}

/// A payment on a receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReceiptPayment {
    /// Method.
    pub method: PaymentMethod,
    /// Amount tendered.
    pub amount: i64,
    /// Reference.
    pub reference: Option<String>,
}

/// The customer on a receipt.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReceiptCustomer {
    /// Id.
    pub id: i64,
    /// Customer number.
    pub customer_number: String,
    /// First and last name.
    pub name: String,
    /// Level at the time of the sale.
    pub level: Level,
    /// Points balance after this sale.
    pub points_balance: i64,
}

/// A sale as printed on the ticket (ticket de caisse).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 120, "ticket_number": "TKT-ABJ-PLATEAU-20261207-0001", "status": "COMPLETED",
    "store_code": "ABJ-PLATEAU", "store_name": "Supermarché Plateau", "till_code": "C01",
    "cashier_id": 1, "cashier_name": "Awa Koné",
    "customer": {
        "id": 1, "customer_number": "CLT0000001", "name": "Aya Kouassi", "level": "GOLD",
        "points_balance": 187
    },
    "created_at": "2026-12-07T10:12:00Z",
    "lines": [
        {
            "product_id": 1, "sku": "RIZ-5KG", "name": "Riz parfumé 5 kg", "quantity": 2,
            "unit_price": 4500, "line_total": 9000, "discount": 1350, "vat_rate_bp": 1800
        }
    ],
    "subtotal": 9000, "loyalty_percent": "5", "loyalty_discount": 450, "coupon_discount": 900,
    "coupon_code": "BIENVENUE", "total": 7650,
    "vat": [{"rate_bp": 1800, "base": 7650, "vat": 1167, "net": 6483}],
    "payments": [{"method": "ESPECES", "amount": 10000, "reference": null}], "paid": 10000,
    "change": 2350, "points_earned": 7, "refund": null
})))]
pub struct Receipt {
    /// Sale id.
    pub id: i64,
    /// `TKT-<store>-<yyyymmdd>-<seq>`.
    pub ticket_number: String,
    /// COMPLETED, CANCELLED or REFUNDED.
    pub status: SaleStatus,
    /// Store code.
    pub store_code: String,
    /// Store name.
    pub store_name: String,
    /// Till code.
    pub till_code: String,
    /// Cashier's id.
    pub cashier_id: i64,
    /// Cashier's name.
    pub cashier_name: String,
    /// Customer, absent for an anonymous sale.
    pub customer: Option<ReceiptCustomer>,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Lines.
    pub lines: Vec<ReceiptLine>,
    /// Sous-total.
    pub subtotal: i64,
    /// Loyalty discount percent applied (decimal string).
    pub loyalty_percent: String,
    /// Remise fidélité.
    pub loyalty_discount: i64,
    /// Coupon discount.
    pub coupon_discount: i64,
    /// The coupon used, if any.
    pub coupon_code: Option<String>,
    /// Total TTC.
    pub total: i64,
    /// TVA.
    pub vat: Vec<VatBreakdown>,
    /// Payments.
    pub payments: Vec<ReceiptPayment>,
    /// Sum tendered.
    pub paid: i64,
    /// Monnaie rendue.
    pub change: i64,
    /// Points earned.
    pub points_earned: i64,
    /// The refund, once the sale is refunded: how the money went back.
    #[serde(default)]
    pub refund: Option<ReceiptRefund>,
}

/// How a refunded sale's money went back.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct ReceiptRefund {
    /// Store-local day of the refund: the day whose totals show the money out.
    pub business_date: NaiveDate,
    /// When.
    pub at: DateTime<Utc>,
    /// Why.
    pub reason: String,
    /// Amount handed back (the sale's total).
    pub total: i64,
    /// Per method.
    pub payments: Vec<RefundedPayment>,
}

/// Money handed back with one method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct RefundedPayment {
    /// Method.
    pub method: PaymentMethod,
    /// Amount.
    pub amount: i64,
}

/// `POST /sales/{id}/cancel`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "Erreur de saisie : article scanné deux fois"})))]
#[serde(deny_unknown_fields)]
pub struct ReverseSaleRequest {
    /// Why (kept in the audit log).
    pub reason: String,
}

/// `POST /sales/{id}/refund`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"reason": "Produit défectueux rapporté le lendemain", "method": "ESPECES"})))]
#[serde(deny_unknown_fields)]
pub struct RefundSaleRequest {
    /// Why (kept in the audit log).
    pub reason: String,
    /// One method for the whole amount (`ESPECES`); by default the money goes back the
    /// way it was paid (same methods, same amounts kept).
    // Text, as `PaymentRequest::method`: an unknown one is `payment.method_invalid`.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<PaymentMethod>))]
    pub method: Option<String>,
}

/// Figures of a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "sales_count": 38, "revenue": 412350, "discounts": 18400, "average_basket": 10851,
    "refunds_count": 1, "refunded": 7650, "net_revenue": 404700
})))]
pub struct SalesSummary {
    /// Nombre de ventes (made in the period, refunded later or not; cancelled ones not).
    pub sales_count: i64,
    /// Chiffre d'affaires: sum of final amounts.
    pub revenue: i64,
    /// Sum of discounts.
    pub discounts: i64,
    /// Panier moyen (revenue ÷ sales, rounded half up).
    pub average_basket: i64,
    /// Refunds handed out in the period (of sales of any day).
    pub refunds_count: i64,
    /// Money handed back in the period: money out.
    pub refunded: i64,
    /// Revenue less the money handed back.
    pub net_revenue: i64,
}

/// Revenue of one day.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct DayRevenue {
    /// Store-local date.
    pub date: NaiveDate,
    /// Revenue.
    pub revenue: i64,
    /// Sales.
    pub sales_count: i64,
    /// Money handed back that day (refunds).
    pub refunded: i64,
}

/// A best-selling product.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TopProduct {
    /// Product id.
    pub product_id: i64,
    /// Name.
    pub name: String,
    /// Units sold.
    pub quantity: i64,
    /// Revenue (line totals after discounts).
    pub revenue: i64,
}

/// Takings of one payment method.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PaymentSplit {
    /// Method.
    pub method: PaymentMethod,
    /// Amount kept (cash net of change).
    pub amount: i64,
    /// Number of payments.
    pub count: i64,
    /// Money handed back with this method (refunds).
    pub refunded: i64,
}

/// A sale in a list.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct SaleListItem {
    /// Id.
    pub id: i64,
    /// Ticket number.
    pub ticket_number: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// Status.
    pub status: SaleStatus,
    /// Total.
    pub total: i64,
    /// Customer number, if identified.
    pub customer_number: Option<String>,
    /// Cashier's name.
    pub cashier_name: String,
}

/// Someone who sells, for a manager's cashier picker (`GET /sales/sellers`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"id": 1, "name": "Awa Koné"})))]
pub struct Seller {
    /// User id, the `cashier_id` of the sales history.
    pub id: i64,
    /// Name as printed on receipts.
    pub name: String,
}

/// `GET /sales/mine`: the cashier's history for a period.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "cashier_id": 1, "period": "today", "from": "2026-12-07", "to": "2026-12-07",
    "summary": {
        "sales_count": 38, "revenue": 412350, "discounts": 18400, "average_basket": 10851,
        "refunds_count": 1, "refunded": 7650, "net_revenue": 404700
    },
    "per_day": [{"date": "2026-12-07", "revenue": 412350, "sales_count": 38, "refunded": 7650}],
    "top_products": [{"product_id": 1, "name": "Riz parfumé 5 kg", "quantity": 27, "revenue": 121500}],
    "payment_split": [
        {"method": "ESPECES", "amount": 287300, "count": 29, "refunded": 7650},
        {"method": "ORANGE_MONEY", "amount": 125050, "count": 9, "refunded": 0}
    ],
    "sales": [
        {
            "id": 120, "ticket_number": "TKT-ABJ-PLATEAU-20261207-0001",
            "created_at": "2026-12-07T10:12:00Z", "status": "COMPLETED", "total": 7650,
            "cashier_name": "Awa Koné", "customer_number": "CLT0000001"
        }
    ],
    "total": 38, "page": 1, "per_page": 50
})))]
pub struct SalesHistory {
    /// Whose sales; `null` for the whole store (every seller, `GET /sales` without
    /// `cashier_id`).
    pub cashier_id: Option<i64>,
    /// `today`, `week`, `month`, `7d`, `30d` or `custom`.
    pub period: String,
    /// First day (store-local).
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
    /// Figures.
    pub summary: SalesSummary,
    /// Revenue per day, every day of the period.
    pub per_day: Vec<DayRevenue>,
    /// Top 10 products by quantity.
    pub top_products: Vec<TopProduct>,
    /// Split by payment method.
    pub payment_split: Vec<PaymentSplit>,
    /// The sales, newest first.
    pub sales: Vec<SaleListItem>,
    /// Total sales in the list (all statuses).
    pub total: u64,
    /// Page from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}
