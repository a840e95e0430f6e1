//! What checkout and the coupon quote share: pricing the basket from the catalogue, the
//! identified customer's loyalty standing, and checking a coupon code against both.

use crate::error::{unprocessable, ApiError};
use chrono::NaiveDate;
use crm_api_types::SaleLineRequest;
use crm_domain::codes;
use crm_domain::coupon::{self, CouponRefusal, Redemption};
use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::sale::{CouponDiscount, SaleError, SaleLine};
use crm_domain::{Level, Money};
use crm_store::coupons::{self as coupon_store, CouponRow, CouponToRedeem};
use crm_store::products::Product;
use crm_store::DatabaseConnection;
use rust_decimal::Decimal;

/// Most units of one product on a line: a typo guard for the till.
const MAX_QUANTITY: i64 = 10_000;

/// Most lines in one basket.
const MAX_LINES: usize = 500;

/// Prices the requested lines from the catalogue (never from the client): the domain
/// lines and their products, in request order.
pub async fn price_lines(
    db: &DatabaseConnection,
    requested: &[SaleLineRequest],
) -> Result<(Vec<SaleLine>, Vec<Product>), ApiError> {
    if requested.is_empty() {
        return Err(SaleError::Empty.into());
    }
    if requested.len() > MAX_LINES {
        return Err(unprocessable(
            codes::SALE_TOO_MANY_LINES,
            format!("Panier trop long : {MAX_LINES} lignes au plus."),
        ));
    }
    // One query for the whole basket, then each line is matched in request order.
    let ids: Vec<i64> = requested.iter().filter_map(|l| l.product_id).collect();
    let barcodes: Vec<String> = requested
        .iter()
        .filter_map(|l| l.barcode.as_deref().map(|b| b.trim().to_owned()))
        .collect();
    let catalogue = crm_store::products::find_many(db, &ids, &barcodes).await?;
    let mut lines = Vec::with_capacity(requested.len());
    let mut products = Vec::with_capacity(requested.len());
    for (i, line) in requested.iter().enumerate() {
        let quantity = match u32::try_from(line.quantity) {
            Ok(quantity) if (1..=MAX_QUANTITY).contains(&line.quantity) => quantity,
            _ => {
                return Err(unprocessable(
                    codes::SALE_QUANTITY_INVALID,
                    format!("Ligne {} : quantité invalide (1 à {MAX_QUANTITY}).", i + 1),
                ))
            }
        };
        let product = match (line.product_id, line.barcode.as_deref()) {
            (Some(id), None) => catalogue.iter().find(|p| p.id == id),
            (None, Some(code)) => catalogue
                .iter()
                .find(|p| p.barcode.as_deref() == Some(code.trim())),
            _ => {
                return Err(unprocessable(
                    codes::SALE_LINE_INVALID,
                    format!(
                        "Ligne {} : indiquez product_id ou barcode (un seul).",
                        i + 1
                    ),
                ));
            }
        }
        .filter(|p| p.active)
        .cloned()
        .ok_or_else(|| {
            unprocessable(
                codes::PRODUCT_NOT_FOUND,
                format!("Ligne {} : produit inconnu ou retiré de la vente.", i + 1),
            )
        })?;
        lines.push(SaleLine {
            product_id: product.id,
            unit_price: Money::fcfa(product.price),
            vat_rate_bp: product.vat_rate_bp.max(0) as u32,
            category: crm_store::products::category_of(&product)?,
            quantity,
        });
        products.push(product);
    }
    Ok((lines, products))
}

/// The identified customer and their loyalty discount under `policy`; anonymous =
/// `(None, 0 %)`.
pub async fn customer_standing(
    db: &DatabaseConnection,
    policy: &LoyaltyPolicy,
    customer_id: Option<i64>,
) -> Result<(Option<(i64, Level)>, Decimal), ApiError> {
    let Some(id) = customer_id else {
        return Ok((None, Decimal::ZERO));
    };
    let customer = crm_store::customers::find(db, id)
        .await?
        .filter(|c| c.active && c.erased_at.is_none())
        .ok_or_else(|| unprocessable(codes::CUSTOMER_NOT_FOUND, "Client inconnu."))?;
    let level = crm_store::customers::level_of(&customer)?;
    Ok((Some((customer.id, level)), policy.discount_percent(level)))
}

/// The outcome of checking a code: the coupon (when it exists) and the discount or the
/// refusal.
pub struct CouponCheck {
    /// The normalised code.
    pub code: String,
    /// The coupon, unless the code is unknown.
    pub row: Option<CouponRow>,
    /// Discount granted, or why not.
    pub outcome: Result<CouponDiscount, CouponRefusal>,
}

/// Runs the ten checks of SPEC §3 for `typed` on this basket, as of `today`.
pub async fn check_coupon(
    db: &DatabaseConnection,
    typed: &str,
    customer: Option<(i64, Level)>,
    lines: &[SaleLine],
    loyalty_percent: Decimal,
    today: NaiveDate,
) -> Result<CouponCheck, ApiError> {
    let code = coupon::normalize_code(typed);
    let found = if code.is_empty() || code.len() > 64 {
        None
    } else {
        coupon_store::find_with_usage(db, &code, customer.map(|(id, _)| id)).await?
    };
    let Some((row, usage)) = found else {
        return Ok(CouponCheck {
            code,
            row: None,
            outcome: Err(CouponRefusal::NotFound),
        });
    };
    let outcome = coupon::evaluate(
        &coupon_store::rules(&row)?,
        usage,
        &Redemption {
            today,
            customer,
            lines,
            loyalty_percent,
        },
    );
    Ok(CouponCheck {
        code,
        row: Some(row),
        outcome,
    })
}

/// What a sale needs to redeem a checked coupon in its transaction.
pub fn to_redeem(
    check: &CouponCheck,
    discount: &CouponDiscount,
    customer: Option<(i64, Level)>,
    lines: &[SaleLine],
    loyalty_percent: Decimal,
    today: NaiveDate,
) -> Option<CouponToRedeem> {
    check.row.as_ref().map(|row| CouponToRedeem {
        coupon_id: row.id,
        discount: discount.clone(),
        today,
        customer,
        lines: lines.to_vec(),
        loyalty_percent,
    })
}
