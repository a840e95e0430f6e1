//! The checkout: one basket becomes one recorded sale. `POST /sales` parses the request
//! and guards it (role, `Idempotency-Key`, who sells), then calls [`checkout`]; the
//! service prices the basket from the catalogue ([`basket`]), applies the customer's
//! loyalty discount and at most one coupon, checks the payments with
//! `crm_domain::sale`, and has `crm_store::sales::record` write everything in one
//! transaction. A new rule of a sale goes in `crm_domain::sale` if it is arithmetic, in
//! [`basket`] if it needs the catalogue or the customer, and here if it decides the order
//! of the checks.
//!
//! Two money rules fix the order: the idempotency key is looked up before any check (a
//! till retrying a basket gets its first receipt whatever changed since), and a coupon's
//! caps are counted again under the coupon's lock in the sale's transaction (a check here
//! only gives an early, clear answer).

pub mod basket;
pub mod receipt;

use crate::error::{unprocessable, ApiError};
use crm_api_types::{CreateSaleRequest, PaymentRequest, Receipt};
use crm_domain::codes;
use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::sale::{self, Payment, PaymentMethod, SaleInput};
use crm_domain::Money;
use crm_store::sales::{self as store, NewSale, SaleHeader};
use crm_store::DatabaseConnection;
use sha2::{Digest, Sha256};
use std::str::FromStr;

/// How a checkout ended: a new sale (201), or the sale already recorded under its key
/// (200). Either way the till gets a receipt.
pub enum Checkout {
    /// Recorded now.
    Recorded(Receipt),
    /// Recorded earlier under this key, for this very basket.
    Replayed(Receipt),
}

/// Records the checkout `request` sold by `seller_id` under the idempotency `key`.
///
/// The key is looked up first: a key this seller already used returns the first receipt
/// and writes nothing, whatever changed since (coupon spent, product withdrawn or
/// repriced, customer erased, till closed); the same key with another basket is 409.
pub async fn checkout(
    db: &DatabaseConnection,
    policy: &LoyaltyPolicy,
    seller_id: i64,
    request: CreateSaleRequest,
    key: &str,
) -> Result<Checkout, ApiError> {
    let request_hash = crate::pii::hex(&Sha256::digest(
        serde_json::to_vec(&request).map_err(ApiError::internal)?,
    ));
    if let Some(existing) = store::by_idempotency_key(db, seller_id, key).await? {
        return replay(db, &existing, &request_hash).await;
    }
    match record(db, policy, seller_id, request, key, &request_hash).await {
        Ok(sale) => Ok(Checkout::Recorded(receipt::load(db, sale.id).await?.1)),
        // A concurrent retry with this key may have won meanwhile (and then holds the
        // coupon use this one was refused, or the key this one could not insert): the
        // answer is its receipt.
        Err(e) => match store::by_idempotency_key(db, seller_id, key).await? {
            Some(existing) => replay(db, &existing, &request_hash).await,
            None => Err(e),
        },
    }
}

/// The answer to a checkout whose key was already used: its first receipt if the basket
/// is the same, 409 if the key served another basket.
async fn replay(
    db: &DatabaseConnection,
    existing: &store::Sale,
    request_hash: &str,
) -> Result<Checkout, ApiError> {
    if existing.request_hash.as_deref() != Some(request_hash) {
        return Err(ApiError::conflict(
            codes::IDEMPOTENCY_CONFLICT,
            "Cette clé d'idempotence a déjà servi pour un autre panier.",
        ));
    }
    Ok(Checkout::Replayed(receipt::load(db, existing.id).await?.1))
}

/// Checks and records a new sale under `key`. Prices come from the catalogue; discounts,
/// VAT, points and change from `crm_domain::sale`.
async fn record(
    db: &DatabaseConnection,
    policy: &LoyaltyPolicy,
    cashier_id: i64,
    request: CreateSaleRequest,
    key: &str,
    request_hash: &str,
) -> Result<store::Sale, ApiError> {
    let (till, shop) = store::till_and_store(db, request.till_id)
        .await?
        .ok_or_else(|| unprocessable(codes::TILL_NOT_FOUND, "Caisse inconnue ou fermée."))?;
    let business_date = crm_store::stores::business_date_of(&shop)?.date();
    let (lines, products) = basket::price_lines(db, &request.lines).await?;
    // The identified customer's level sets the loyalty discount.
    let (customer, loyalty_percent) =
        basket::customer_standing(db, policy, request.customer_id).await?;

    // A coupon is checked here for a clear early answer, then again under its lock in
    // the sale's transaction, where its use is counted.
    let mut coupon = None;
    if let Some(typed) = request.coupon_code.as_deref() {
        let check =
            basket::check_coupon(db, typed, customer, &lines, loyalty_percent, business_date)
                .await?;
        let discount = check.outcome.clone().map_err(ApiError::from)?;
        coupon = Some((
            discount.clone(),
            basket::to_redeem(
                &check,
                &discount,
                customer,
                &lines,
                loyalty_percent,
                business_date,
            ),
        ));
    }

    let payments = payments(&request.payments)?;
    let totals = sale::compute_sale(&SaleInput {
        lines: lines.clone(),
        loyalty_percent,
        coupon: coupon.as_ref().map(|(discount, _)| discount.clone()),
        payments: payments.clone(),
    })?;
    let header = SaleHeader {
        store_id: shop.id,
        store_code: shop.code.clone(),
        till_id: till.id,
        cashier_id,
        customer_id: customer.map(|(id, _)| id),
        customer_level: customer.map(|(_, level)| level),
        business_date,
    };
    let new = NewSale {
        idempotency_key: Some(key.to_owned()),
        request_hash: Some(request_hash.to_owned()),
        coupon: coupon.and_then(|(_, redeem)| redeem),
        ..NewSale::from_totals(
            header,
            loyalty_percent,
            &lines,
            products.iter().map(|p| p.cost),
            &payments,
            &totals,
        )
    };
    Ok(store::record(db, new).await?)
}

/// The payments of the request, in its order; a blank reference is none.
fn payments(requested: &[PaymentRequest]) -> Result<Vec<Payment>, ApiError> {
    requested
        .iter()
        .map(|p| {
            let method = PaymentMethod::from_str(&p.method).map_err(|_| {
                unprocessable(
                    codes::PAYMENT_METHOD_INVALID,
                    format!("Moyen de paiement inconnu « {} ».", p.method),
                )
            })?;
            Ok(Payment {
                method,
                amount: Money::fcfa(p.amount),
                reference: p.reference.clone().filter(|r| !r.trim().is_empty()),
            })
        })
        .collect()
}
