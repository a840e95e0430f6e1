//! The administration back office: staff accounts, stores and their tills, and the
//! catalogue's price-list import. The SPA's « Administration » screens and integrators'
//! scripts read the same bodies.

use crate::auth::StaffAccount;
pub use crm_domain::Role;
use serde::{Deserialize, Serialize};
#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// `GET /users`: a page of staff accounts.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "items": [{"id": 4, "username": "awa", "role": "CASHIER", "display_name": "Awa Koné",
               "must_change_password": true, "store_id": 1, "active": true}],
    "total": 1, "page": 1, "per_page": 50
})))]
pub struct StaffPage {
    /// Accounts, by login.
    pub items: Vec<StaffAccount>,
    /// Accounts matching the filters.
    pub total: u64,
    /// Page from 1.
    pub page: u64,
    /// Page size.
    pub per_page: u64,
}

/// `POST /users`: a new staff account. Its password is generated and returned once.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "username": "awa", "display_name": "Awa Koné", "role": "CASHIER", "store_id": 1
})))]
#[serde(deny_unknown_fields)]
pub struct CreateUserRequest {
    /// Login: 2–64 characters, lower-case letters, digits, `.`, `-` or `_`.
    pub username: String,
    /// Full name shown in the header and on receipts.
    pub display_name: String,
    /// Role.
    pub role: Role,
    /// Default store (the cashier's till is picked among its tills).
    #[serde(default)]
    pub store_id: Option<i64>,
}

/// `POST /users` → 201: the account and its temporary password, shown once; the person
/// must change it at the first login.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "account": {"id": 4, "username": "awa", "role": "CASHIER", "display_name": "Awa Koné",
                "must_change_password": true, "store_id": 1, "active": true},
    "temporary_password": "kP4mzQ7rT2xa9B"
})))]
pub struct CreatedUser {
    /// The account.
    pub account: StaffAccount,
    /// Temporary password, valid for one login followed by a change.
    pub temporary_password: String,
}

/// A till of a store.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 1, "store_id": 1, "code": "C01", "name": "Caisse 1", "active": true
})))]
pub struct TillView {
    /// Id (what `POST /sales` takes as `till_id`).
    pub id: i64,
    /// Its store.
    pub store_id: i64,
    /// Code, unique in its store (`C01`).
    pub code: String,
    /// Name shown at the till.
    pub name: String,
    /// Takes sales; a closed till keeps its past sales.
    pub active: bool,
}

/// A store and its tills.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "id": 1, "code": "ABJ01", "name": "Supermarché Plateau", "city": "Abidjan",
    "address": "Avenue Chardy, Plateau", "timezone": "Africa/Abidjan",
    "tills": [{"id": 1, "store_id": 1, "code": "C01", "name": "Caisse 1", "active": true}]
})))]
pub struct StoreView {
    /// Id.
    pub id: i64,
    /// Code, unique (`ABJ01`), part of ticket numbers.
    pub code: String,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Postal address.
    pub address: Option<String>,
    /// IANA time zone, which sets the store's business day.
    pub timezone: String,
    /// Its tills, by code.
    pub tills: Vec<TillView>,
}

/// `POST /stores`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "code": "ABJ02", "name": "Supermarché Cocody", "city": "Abidjan",
    "address": "Boulevard Latrille", "timezone": "Africa/Abidjan"
})))]
#[serde(deny_unknown_fields)]
pub struct CreateStoreRequest {
    /// Code: 2–12 upper-case letters, digits or inner dashes.
    pub code: String,
    /// Name.
    pub name: String,
    /// City.
    pub city: String,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
    /// IANA time zone (`Africa/Abidjan`).
    pub timezone: String,
}

/// `PATCH /stores/{id}`: only the fields present change (an empty address clears it).
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"address": "Rue du Commerce"})))]
#[serde(deny_unknown_fields)]
pub struct UpdateStoreRequest {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// City.
    #[serde(default)]
    pub city: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
    /// IANA time zone.
    #[serde(default)]
    pub timezone: Option<String>,
}

/// `POST /stores/{id}/tills`.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"code": "C02", "name": "Caisse 2"})))]
#[serde(deny_unknown_fields)]
pub struct CreateTillRequest {
    /// Code, unique in the store: 1–12 upper-case letters, digits or inner dashes.
    pub code: String,
    /// Name.
    pub name: String,
}

/// `PATCH /tills/{id}`: rename, close or reopen.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({"active": false})))]
#[serde(deny_unknown_fields)]
pub struct UpdateTillRequest {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `false` closes the till (it takes no sale), `true` reopens it.
    #[serde(default)]
    pub active: Option<bool>,
}

/// One product whose price (or cost) a price list changes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriceChange {
    /// Line of the file (the header is line 1).
    pub line: u64,
    /// Product id.
    pub product_id: i64,
    /// Barcode.
    pub barcode: String,
    /// Product name.
    pub name: String,
    /// Price before, FCFA.
    pub old_price: i64,
    /// Price after, FCFA.
    pub new_price: i64,
    /// Cost before, FCFA.
    pub old_cost: i64,
    /// Cost after, FCFA.
    pub new_cost: i64,
}

/// A line of a price list that cannot be applied.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct PriceLineProblem {
    /// Line of the file.
    pub line: u64,
    /// The barcode as written.
    pub barcode: String,
    /// Why, in French.
    pub reason: String,
}

/// `POST /products/price-list`: what the file changes (dry run) or changed (apply).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[cfg_attr(feature = "openapi", schema(example = json!({
    "applied": false, "lines": 3, "unchanged": 0,
    "changes": [{"line": 2, "product_id": 1, "barcode": "6191000000016", "name": "Riz parfumé 5 kg",
                 "old_price": 4500, "new_price": 4750, "old_cost": 3600, "new_cost": 3600}],
    "unknown": [{"line": 3, "barcode": "6191000009999", "reason": "Code-barres inconnu du catalogue."}],
    "invalid": [{"line": 4, "barcode": "6191000000078", "reason": "Prix invalide « 12,5 » : un nombre entier de FCFA, supérieur à 0."}]
})))]
pub struct PriceListReport {
    /// Whether the changes were written (apply) or only computed (dry run).
    pub applied: bool,
    /// Product lines read (header and empty lines left out).
    pub lines: u64,
    /// Lines that change nothing (same price and cost).
    pub unchanged: u64,
    /// Products whose price or cost changes.
    pub changes: Vec<PriceChange>,
    /// Barcodes the catalogue does not hold.
    pub unknown: Vec<PriceLineProblem>,
    /// Lines with a bad barcode, price or cost, or a barcode seen twice.
    pub invalid: Vec<PriceLineProblem>,
}
