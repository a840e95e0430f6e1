//! Computing a sale (SPEC §2): subtotal, loyalty then coupon discount, VAT breakdown,
//! points and payments. One source of truth for the server and the SPA.
//!
//! Prices include VAT (TTC). Every amount is a whole number of FCFA; percentages are
//! rounded half up to the franc, and discounts are spread over the lines with the
//! largest-remainder method so that the per-line parts always add up exactly.

use crate::codes;
use crate::money::Money;
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

/// One loyalty point per this many FCFA of the final amount (floor).
pub const FCFA_PER_POINT: i64 = 1_000;

/// Basis points in 100 % (a VAT rate of 1 800 bp is 18 %).
pub const BASIS_POINTS: u32 = 10_000;

/// A catalogue category.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Category {
    /// Food.
    Alimentaire,
    /// Drinks.
    Boissons,
    /// Hygiene and beauty.
    Hygiene,
    /// Clothing.
    Vetements,
    /// Electronics.
    Electronique,
    /// Household goods.
    Maison,
}

impl Category {
    /// Every category, in catalogue order.
    pub const ALL: [Category; 6] = [
        Category::Alimentaire,
        Category::Boissons,
        Category::Hygiene,
        Category::Vetements,
        Category::Electronique,
        Category::Maison,
    ];

    /// The stored and serialised name (`BOISSONS`).
    pub fn as_str(self) -> &'static str {
        match self {
            Category::Alimentaire => "ALIMENTAIRE",
            Category::Boissons => "BOISSONS",
            Category::Hygiene => "HYGIENE",
            Category::Vetements => "VETEMENTS",
            Category::Electronique => "ELECTRONIQUE",
            Category::Maison => "MAISON",
        }
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Category, String> {
        let wanted = s.trim().to_ascii_uppercase();
        Category::ALL
            .into_iter()
            .find(|c| c.as_str() == wanted)
            .ok_or_else(|| format!("catégorie inconnue « {} »", s.trim()))
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a payment is made (`payments.method`, `refund_payments.method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum PaymentMethod {
    /// Cash: the only method that may exceed what is due (change is returned).
    Especes,
    /// Bank card.
    Carte,
    /// Orange Money.
    OrangeMoney,
    /// MTN Mobile Money.
    MtnMomo,
    /// Moov Money.
    MoovMoney,
    /// Wave.
    Wave,
    /// Cheque.
    Cheque,
}

impl PaymentMethod {
    /// Every method, cash first.
    pub const ALL: [PaymentMethod; 7] = [
        PaymentMethod::Especes,
        PaymentMethod::Carte,
        PaymentMethod::OrangeMoney,
        PaymentMethod::MtnMomo,
        PaymentMethod::MoovMoney,
        PaymentMethod::Wave,
        PaymentMethod::Cheque,
    ];

    /// The stored and serialised name (`ORANGE_MONEY`).
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentMethod::Especes => "ESPECES",
            PaymentMethod::Carte => "CARTE",
            PaymentMethod::OrangeMoney => "ORANGE_MONEY",
            PaymentMethod::MtnMomo => "MTN_MOMO",
            PaymentMethod::MoovMoney => "MOOV_MONEY",
            PaymentMethod::Wave => "WAVE",
            PaymentMethod::Cheque => "CHEQUE",
        }
    }

    /// Whether this is cash, on which change can be returned.
    pub fn is_cash(self) -> bool {
        self == PaymentMethod::Especes
    }
}

impl FromStr for PaymentMethod {
    type Err = String;
    fn from_str(s: &str) -> Result<PaymentMethod, String> {
        let wanted = s.trim().to_ascii_uppercase();
        PaymentMethod::ALL
            .into_iter()
            .find(|m| m.as_str() == wanted)
            .ok_or_else(|| format!("moyen de paiement inconnu « {} »", s.trim()))
    }
}

impl fmt::Display for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a recorded sale stands (`sales.status`). A sale is recorded COMPLETED; a
/// cancellation on its day or a later refund ends it, once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SaleStatus {
    /// Counts in revenue; may still be cancelled or refunded.
    Completed,
    /// Cancelled on its business day: out of that day's figures, as if never made.
    Cancelled,
    /// Refunded: still in its own day's revenue, money out on the refund's day.
    Refunded,
}

impl SaleStatus {
    /// Every status, the live one first.
    pub const ALL: [SaleStatus; 3] = [
        SaleStatus::Completed,
        SaleStatus::Cancelled,
        SaleStatus::Refunded,
    ];

    /// The stored and serialised name (`COMPLETED`).
    pub fn as_str(self) -> &'static str {
        match self {
            SaleStatus::Completed => "COMPLETED",
            SaleStatus::Cancelled => "CANCELLED",
            SaleStatus::Refunded => "REFUNDED",
        }
    }
}

impl FromStr for SaleStatus {
    type Err = String;
    /// Exact names only: a status is only ever written by this code.
    fn from_str(s: &str) -> Result<SaleStatus, String> {
        SaleStatus::ALL
            .into_iter()
            .find(|status| status.as_str() == s)
            .ok_or_else(|| format!("statut de vente inconnu « {s} »"))
    }
}

impl fmt::Display for SaleStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of the basket, priced from the catalogue (never from the client).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleLine {
    /// The product's id.
    pub product_id: i64,
    /// Unit price, VAT included (TTC).
    pub unit_price: Money,
    /// VAT rate in basis points (1 800 = 18 %).
    pub vat_rate_bp: u32,
    /// The product's category (coupons may target categories).
    pub category: Category,
    /// Number of units, > 0.
    pub quantity: u32,
}

impl SaleLine {
    /// Unit price × quantity, or `None` on overflow.
    pub fn line_total(&self) -> Option<Money> {
        self.unit_price
            .francs()
            .checked_mul(i64::from(self.quantity))
            .map(Money::fcfa)
    }
}

/// A coupon discount already computed by the coupon rules, and the lines it applies to.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CouponDiscount {
    /// The discount the coupon grants; capped here to what its lines still cost.
    pub amount: Money,
    /// Indexes (0-based) of the lines the coupon applies to.
    pub eligible_lines: BTreeSet<usize>,
}

/// One payment of a sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Payment {
    /// How it is paid.
    pub method: PaymentMethod,
    /// Amount tendered, > 0 (for cash, before change).
    pub amount: Money,
    /// Card authorisation, mobile-money transaction id, cheque number…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// Everything needed to compute a sale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SaleInput {
    /// The basket, at least one line.
    pub lines: Vec<SaleLine>,
    /// The customer's loyalty discount in percent (0 for an anonymous sale).
    pub loyalty_percent: Decimal,
    /// At most one coupon.
    #[serde(default)]
    pub coupon: Option<CouponDiscount>,
    /// The payments; their sum must cover the total.
    #[serde(default)]
    pub payments: Vec<Payment>,
}

/// VAT included in the amounts of one rate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VatLine {
    /// VAT rate in basis points.
    pub rate_bp: u32,
    /// Amount after discounts, VAT included (TTC).
    pub base: Money,
    /// VAT included in `base`.
    pub vat: Money,
    /// `base` without VAT (HT).
    pub net: Money,
}

/// The computed figures of a sale.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SaleTotals {
    /// Σ unit price × quantity.
    pub subtotal: Money,
    /// Loyalty discount: subtotal × percent / 100, rounded half up.
    pub loyalty_discount: Money,
    /// Coupon discount actually granted (after capping).
    pub coupon_discount: Money,
    /// subtotal − discounts, never negative.
    pub total: Money,
    /// VAT per rate, lowest rate first; the bases add up to `total`.
    pub vat: Vec<VatLine>,
    /// Discount (loyalty + coupon) allocated to each line, in line order.
    pub line_discounts: Vec<Money>,
    /// Loyalty points earned: floor(total / 1 000).
    pub points: i64,
    /// Σ payments tendered.
    pub paid: Money,
    /// Change returned in cash: paid − total.
    pub change: Money,
}

/// Why a sale cannot be computed. `code()` is stable; the message is for people.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SaleError {
    /// No line in the basket.
    #[error("La vente ne contient aucun article.")]
    Empty,
    /// A line has a quantity of zero (`line` is 0-based).
    #[error("Ligne {} : la quantité doit être d'au moins 1.", .line + 1)]
    QuantityInvalid {
        /// 0-based line index.
        line: usize,
    },
    /// A line has a negative unit price.
    #[error("Ligne {} : le prix unitaire ne peut pas être négatif.", .line + 1)]
    PriceInvalid {
        /// 0-based line index.
        line: usize,
    },
    /// A line has a VAT rate above 100 %.
    #[error("Ligne {} : taux de TVA invalide ({rate_bp} points de base).", .line + 1)]
    VatRateInvalid {
        /// 0-based line index.
        line: usize,
        /// The rate given.
        rate_bp: u32,
    },
    /// The loyalty percent is not within 0–100.
    #[error("Remise fidélité invalide ({0} %) : elle doit être comprise entre 0 et 100 %.")]
    LoyaltyPercentInvalid(Decimal),
    /// The coupon discount is negative.
    #[error("Le montant de la remise du coupon ne peut pas être négatif.")]
    CouponAmountInvalid,
    /// The coupon names a line the basket does not have.
    #[error("Le coupon vise une ligne inexistante ({}).", .line + 1)]
    CouponLineInvalid {
        /// 0-based line index.
        line: usize,
    },
    /// A non-zero coupon discount with no eligible line.
    #[error("Le coupon ne s'applique à aucun article du panier.")]
    CouponNoEligibleLine,
    /// Amounts beyond what can be represented.
    #[error("Montant trop élevé.")]
    AmountTooLarge,
    /// A payment of zero or less (`index` is 0-based).
    #[error("Paiement {} : le montant doit être supérieur à zéro.", .index + 1)]
    PaymentAmountInvalid {
        /// 0-based payment index.
        index: usize,
    },
    /// The payments do not cover the total.
    #[error("Paiement insuffisant : {paid} reçus pour un total de {total}.")]
    PaymentInsufficient {
        /// Total due.
        total: Money,
        /// Σ payments.
        paid: Money,
    },
    /// Non-cash payments exceed the total (change is only given on cash).
    #[error(
        "Les paiements hors espèces ({non_cash}) dépassent le total ({total}) : seule la monnaie sur les espèces peut être rendue."
    )]
    NonCashOverpayment {
        /// Total due.
        total: Money,
        /// Σ non-cash payments.
        non_cash: Money,
    },
}

impl SaleError {
    /// A stable machine-readable code, e.g. `payment.insufficient`.
    pub fn code(&self) -> &'static str {
        match self {
            SaleError::Empty => codes::SALE_EMPTY,
            SaleError::QuantityInvalid { .. } => codes::SALE_QUANTITY_INVALID,
            SaleError::PriceInvalid { .. } => codes::SALE_PRICE_INVALID,
            SaleError::VatRateInvalid { .. } => codes::SALE_VAT_RATE_INVALID,
            SaleError::LoyaltyPercentInvalid(_) => codes::SALE_LOYALTY_PERCENT_INVALID,
            SaleError::CouponAmountInvalid => codes::SALE_COUPON_AMOUNT_INVALID,
            SaleError::CouponLineInvalid { .. } => codes::SALE_COUPON_LINE_INVALID,
            SaleError::CouponNoEligibleLine => codes::SALE_COUPON_NO_ELIGIBLE_LINE,
            SaleError::AmountTooLarge => codes::SALE_AMOUNT_TOO_LARGE,
            SaleError::PaymentAmountInvalid { .. } => codes::PAYMENT_AMOUNT_INVALID,
            SaleError::PaymentInsufficient { .. } => codes::PAYMENT_INSUFFICIENT,
            SaleError::NonCashOverpayment { .. } => codes::PAYMENT_NON_CASH_OVERPAYMENT,
        }
    }
}

/// Outcome of checking the payments against a total.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Settlement {
    /// Σ payments tendered.
    pub paid: Money,
    /// Change returned in cash.
    pub change: Money,
}

/// Computes a whole sale: totals, then payments. See [`price_sale`] and [`settle`].
pub fn compute_sale(input: &SaleInput) -> Result<SaleTotals, SaleError> {
    let mut totals = price_sale(&input.lines, input.loyalty_percent, input.coupon.as_ref())?;
    let settlement = settle(totals.total, &input.payments)?;
    totals.paid = settlement.paid;
    totals.change = settlement.change;
    Ok(totals)
}

/// Prices a basket without payments (for a quote before paying): `paid` and `change`
/// are zero.
pub fn price_sale(
    lines: &[SaleLine],
    loyalty_percent: Decimal,
    coupon: Option<&CouponDiscount>,
) -> Result<SaleTotals, SaleError> {
    if lines.is_empty() {
        return Err(SaleError::Empty);
    }
    let mut line_totals = Vec::with_capacity(lines.len());
    for (i, line) in lines.iter().enumerate() {
        if line.quantity == 0 {
            return Err(SaleError::QuantityInvalid { line: i });
        }
        if line.unit_price < Money::ZERO {
            return Err(SaleError::PriceInvalid { line: i });
        }
        if line.vat_rate_bp > BASIS_POINTS {
            return Err(SaleError::VatRateInvalid {
                line: i,
                rate_bp: line.vat_rate_bp,
            });
        }
        line_totals.push(line.line_total().ok_or(SaleError::AmountTooLarge)?);
    }
    if loyalty_percent < Decimal::ZERO || loyalty_percent > Decimal::ONE_HUNDRED {
        return Err(SaleError::LoyaltyPercentInvalid(loyalty_percent));
    }
    if let Some(coupon) = coupon {
        if coupon.amount < Money::ZERO {
            return Err(SaleError::CouponAmountInvalid);
        }
        if let Some(&line) = coupon.eligible_lines.iter().find(|&&l| l >= lines.len()) {
            return Err(SaleError::CouponLineInvalid { line });
        }
        if coupon.amount > Money::ZERO && coupon.eligible_lines.is_empty() {
            return Err(SaleError::CouponNoEligibleLine);
        }
    }

    let subtotal = line_totals
        .iter()
        .try_fold(0i64, |acc, m| acc.checked_add(m.francs()))
        .map(Money::fcfa)
        .ok_or(SaleError::AmountTooLarge)?;

    // 1. Loyalty discount on the subtotal, spread over every line.
    let loyalty_discount = subtotal.percent(loyalty_percent).min(subtotal);
    let loyalty_parts = allocate_proportionally(loyalty_discount, &line_totals);
    let after_loyalty: Vec<Money> = line_totals
        .iter()
        .zip(&loyalty_parts)
        .map(|(&t, &d)| t - d)
        .collect();

    // 2. At most one coupon, capped to what its lines still cost after loyalty, spread
    //    over its eligible lines in proportion to those amounts.
    let mut coupon_parts = vec![Money::ZERO; lines.len()];
    let mut coupon_discount = Money::ZERO;
    if let Some(coupon) = coupon {
        // The eligible lines, in line order.
        let weights: Vec<Money> = after_loyalty
            .iter()
            .copied()
            .enumerate()
            .filter(|(i, _)| coupon.eligible_lines.contains(i))
            .map(|(_, amount)| amount)
            .collect();
        let room = Money::fcfa(weights.iter().map(|m| m.francs()).sum());
        coupon_discount = coupon.amount.min(room);
        let eligible_parts = coupon_parts
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| coupon.eligible_lines.contains(i))
            .map(|(_, part)| part);
        for (part, share) in eligible_parts.zip(allocate_proportionally(coupon_discount, &weights))
        {
            *part = share;
        }
    }

    let line_discounts: Vec<Money> = loyalty_parts
        .iter()
        .zip(&coupon_parts)
        .map(|(&l, &c)| l + c)
        .collect();
    let total = subtotal - loyalty_discount - coupon_discount;

    // 3. VAT included, per rate.
    let vat = vat_by_rate(
        lines
            .iter()
            .zip(&line_totals)
            .zip(&line_discounts)
            .map(|((line, &t), &d)| (line.vat_rate_bp, t - d)),
    );

    Ok(SaleTotals {
        subtotal,
        loyalty_discount,
        coupon_discount,
        total,
        vat,
        line_discounts,
        points: points_for(total),
        paid: Money::ZERO,
        change: Money::ZERO,
    })
}

/// Checks payments against `total`: each amount > 0, Σ ≥ total, non-cash payments never
/// exceed the total (change is only returned on cash), change = Σ − total ≤ cash.
pub fn settle(total: Money, payments: &[Payment]) -> Result<Settlement, SaleError> {
    let mut paid: i64 = 0;
    let mut non_cash: i64 = 0;
    for (index, payment) in payments.iter().enumerate() {
        if payment.amount <= Money::ZERO {
            return Err(SaleError::PaymentAmountInvalid { index });
        }
        paid = paid
            .checked_add(payment.amount.francs())
            .ok_or(SaleError::AmountTooLarge)?;
        if !payment.method.is_cash() {
            non_cash += payment.amount.francs();
        }
    }
    let (paid, non_cash) = (Money::fcfa(paid), Money::fcfa(non_cash));
    if paid < total {
        return Err(SaleError::PaymentInsufficient { total, paid });
    }
    if non_cash > total {
        return Err(SaleError::NonCashOverpayment { total, non_cash });
    }
    // paid − total = cash − (total − non_cash) ≤ cash.
    Ok(Settlement {
        paid,
        change: paid - total,
    })
}

/// What each payment actually contributes once change is given back: cash payments are
/// reduced by the change, the last cash payment first. Same order as `payments`; the
/// amounts add up to `paid − change` (the total). For per-method takings.
pub fn applied_amounts(payments: &[Payment], change: Money) -> Vec<Money> {
    let mut applied: Vec<Money> = payments.iter().map(|p| p.amount).collect();
    let mut left = change;
    for (amount, payment) in applied.iter_mut().zip(payments).rev() {
        if left <= Money::ZERO {
            break;
        }
        if payment.method.is_cash() {
            let taken = left.min(*amount);
            *amount = *amount - taken;
            left = left - taken;
        }
    }
    applied
}

/// Loyalty points for a final amount: one per full 1 000 FCFA.
pub fn points_for(total: Money) -> i64 {
    total.francs().max(0) / FCFA_PER_POINT
}

/// Points a sale credits: none without a customer, since nobody would ever hold them
/// (the checkout, the demo and the legacy import all store this).
pub fn points_credited(total: Money, has_customer: bool) -> i64 {
    if has_customer {
        points_for(total)
    } else {
        0
    }
}

/// The VAT breakdown of a sale from its lines' (rate, amount after discounts TTC): one
/// entry per rate, lowest rate first, the VAT of each rate computed once on its whole
/// base (not line by line, which would round once per line). The checkout's totals and
/// the printed receipt both come from here, so they can never disagree.
pub fn vat_by_rate(lines: impl IntoIterator<Item = (u32, Money)>) -> Vec<VatLine> {
    let mut bases: BTreeMap<u32, i64> = BTreeMap::new();
    for (rate_bp, amount) in lines {
        *bases.entry(rate_bp).or_default() += amount.francs();
    }
    bases
        .into_iter()
        .map(|(rate_bp, base)| {
            let base = Money::fcfa(base);
            let vat = included_vat(base, rate_bp);
            VatLine {
                rate_bp,
                base,
                vat,
                net: base - vat,
            }
        })
        .collect()
}

/// VAT included in a TTC amount at `rate_bp`: amount × rate / (10 000 + rate), rounded
/// half up to the franc.
pub fn included_vat(amount_ttc: Money, rate_bp: u32) -> Money {
    let n = i128::from(amount_ttc.francs()) * i128::from(rate_bp);
    let d = i128::from(BASIS_POINTS) + i128::from(rate_bp);
    // Half up (away from zero), like `Money::round`.
    let q = (2 * n.abs() + d) / (2 * d);
    let q = if n < 0 { -q } else { q };
    Money::fcfa(i64::try_from(q).unwrap_or(i64::MAX))
}

/// Splits `amount` over `weights` in proportion (largest-remainder method): the parts add
/// up exactly to `amount`, and when 0 ≤ `amount` ≤ Σ weights, no part exceeds its weight.
/// Ties go to the earliest weight. Weights must be ≥ 0; with no positive weight every
/// part is zero.
pub fn allocate_proportionally(amount: Money, weights: &[Money]) -> Vec<Money> {
    let total_weight: i128 = weights.iter().map(|w| i128::from(w.francs().max(0))).sum();
    if total_weight == 0 || amount == Money::ZERO {
        return vec![Money::ZERO; weights.len()];
    }
    let amount = i128::from(amount.francs());
    let mut parts = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut allocated: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let num = amount * i128::from(w.francs().max(0));
        let part = num.div_euclid(total_weight);
        parts.push(part);
        remainders.push((num.rem_euclid(total_weight), i));
        allocated += part;
    }
    // Largest remainder first, then earliest line.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let left = usize::try_from(amount - allocated).unwrap_or(0);
    #[expect(
        clippy::indexing_slicing,
        reason = "each remainder carries the index of the part pushed with it"
    )]
    for &(_, i) in remainders.iter().take(left) {
        parts[i] += 1;
    }
    parts
        .into_iter()
        .map(|p| Money::fcfa(i64::try_from(p).unwrap_or(i64::MAX)))
        .collect()
}

/// The receipt number: `TKT-<STORE>-<YYYYMMDD>-<sequence on 4 digits>`.
pub fn ticket_number(store_code: &str, business_date: NaiveDate, sequence: u32) -> String {
    format!(
        "TKT-{store_code}-{}-{sequence:04}",
        business_date.format("%Y%m%d")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn line(price: i64, qty: u32, rate: u32) -> SaleLine {
        SaleLine {
            product_id: 1,
            unit_price: Money::fcfa(price),
            vat_rate_bp: rate,
            category: Category::Alimentaire,
            quantity: qty,
        }
    }

    fn pay(method: PaymentMethod, amount: i64) -> Payment {
        Payment {
            method,
            amount: Money::fcfa(amount),
            reference: None,
        }
    }

    fn m(v: i64) -> Money {
        Money::fcfa(v)
    }

    #[test]
    fn three_lines_gold_five_percent() {
        // 2 × 1 250 = 2 500 (18 %), 1 × 4 990 = 4 990 (18 %), 3 × 850 = 2 550 (0 %)
        let lines = [
            line(1_250, 2, 1_800),
            line(4_990, 1, 1_800),
            line(850, 3, 0),
        ];
        let input = SaleInput {
            lines: lines.to_vec(),
            loyalty_percent: Decimal::from(5),
            coupon: None,
            payments: vec![pay(PaymentMethod::Especes, 10_000)],
        };
        let t = compute_sale(&input).unwrap();
        assert_eq!(t.subtotal, m(10_040));
        // 10 040 × 5 % = 502
        assert_eq!(t.loyalty_discount, m(502));
        assert_eq!(t.coupon_discount, m(0));
        assert_eq!(t.total, m(9_538));
        // Largest remainder, 502 over 2 500 / 4 990 / 2 550:
        // 502·2500 = 1 255 000 = 125·10040 + 0
        // 502·4990 = 2 504 980 = 249·10040 + 5 020
        // 502·2550 = 1 280 100 = 127·10040 + 5 020  → tie, earliest line wins
        assert_eq!(t.line_discounts, vec![m(125), m(250), m(127)]);
        // 18 %: base = 2 500 − 125 + 4 990 − 250 = 7 115; VAT = 7 115 × 1800/11800
        //  = 1 085.34 → 1 085; net 6 030. 0 %: base 2 423.
        assert_eq!(
            t.vat,
            vec![
                VatLine {
                    rate_bp: 0,
                    base: m(2_423),
                    vat: m(0),
                    net: m(2_423)
                },
                VatLine {
                    rate_bp: 1_800,
                    base: m(7_115),
                    vat: m(1_085),
                    net: m(6_030)
                },
            ]
        );
        assert_eq!(t.points, 9);
        assert_eq!(t.paid, m(10_000));
        assert_eq!(t.change, m(462));
    }

    #[test]
    fn loyalty_rounds_half_up() {
        // 12 350 × 3 % = 370.5 → 371
        let t = price_sale(&[line(12_350, 1, 1_800)], Decimal::from(3), None).unwrap();
        assert_eq!(t.loyalty_discount, m(371));
        assert_eq!(t.total, m(11_979));
        assert_eq!(t.points, 11);
        // 11 979 × 1800 / 11800 = 1 827.3 → 1 827
        assert_eq!(t.vat[0].vat, m(1_827));
        assert_eq!(t.vat[0].net, m(10_152));
        // 12 349 × 3 % = 370.47 → 370
        let t = price_sale(&[line(12_349, 1, 1_800)], Decimal::from(3), None).unwrap();
        assert_eq!(t.loyalty_discount, m(370));
    }

    #[test]
    fn vat_is_computed_once_per_rate_lowest_rate_first() {
        // Two lines of 100 at 18 %: 15.25 → 15 each, but once on 200: 30.51 → 31.
        let vat = vat_by_rate([(1_800, m(100)), (500, m(21)), (1_800, m(100))]);
        let rates: Vec<u32> = vat.iter().map(|v| v.rate_bp).collect();
        assert_eq!(rates, [500, 1_800]);
        assert_eq!((vat[0].base, vat[0].vat, vat[0].net), (m(21), m(1), m(20)));
        assert_eq!(
            (vat[1].base, vat[1].vat, vat[1].net),
            (m(200), m(31), m(169))
        );
        assert!(vat_by_rate([]).is_empty());
    }

    #[test]
    fn included_vat_rounds_half_up() {
        // 1 180 TTC at 18 %: 1 180 × 1800 / 11800 = 180 exactly.
        assert_eq!(included_vat(m(1_180), 1_800), m(180));
        // 59 × 1800 / 11800 = 9.0
        assert_eq!(included_vat(m(59), 1_800), m(9));
        // 100 × 1800 / 11800 = 15.25 → 15; 110 → 16.78 → 17
        assert_eq!(included_vat(m(100), 1_800), m(15));
        assert_eq!(included_vat(m(110), 1_800), m(17));
        // 1 at 100 %: 1 × 10000 / 20000 = 0.5 → 1 (half up); 21 at 5 %: 1.0
        assert_eq!(included_vat(m(1), 10_000), m(1));
        assert_eq!(included_vat(m(21), 500), m(1));
        // 3 at 5 %: 3 × 500 / 10 500 = 0.14 → 0
        assert_eq!(included_vat(m(3), 500), m(0));
        assert_eq!(included_vat(m(0), 1_800), m(0));
    }

    #[test]
    fn coupon_applies_to_eligible_lines_only() {
        let lines = [
            line(5_000, 1, 1_800),
            line(3_000, 2, 1_800),
            line(2_000, 1, 0),
        ];
        // SILVER 3 %: 13 000 × 3 % = 390; coupon 1 000 on lines 1 and 2
        let coupon = CouponDiscount {
            amount: m(1_000),
            eligible_lines: [1, 2].into_iter().collect(),
        };
        let t = price_sale(&lines, Decimal::from(3), Some(&coupon)).unwrap();
        assert_eq!(t.subtotal, m(13_000));
        assert_eq!(t.loyalty_discount, m(390));
        assert_eq!(t.coupon_discount, m(1_000));
        assert_eq!(t.total, m(11_610));
        // loyalty: 150, 180, 60. After: 4 850, 5 820, 1 940.
        // coupon over 5 820 + 1 940 = 7 760: 750 and 250.
        assert_eq!(t.line_discounts, vec![m(150), m(930), m(310)]);
        let sum: i64 = t.vat.iter().map(|v| v.base.francs()).sum();
        assert_eq!(sum, t.total.francs());
    }

    #[test]
    fn coupon_is_capped_to_what_its_lines_still_cost() {
        let lines = [line(1_000, 1, 1_800), line(9_000, 1, 1_800)];
        let coupon = CouponDiscount {
            amount: m(5_000),
            eligible_lines: [0].into_iter().collect(),
        };
        let t = price_sale(&lines, Decimal::from(10), Some(&coupon)).unwrap();
        assert_eq!(t.loyalty_discount, m(1_000));
        assert_eq!(t.coupon_discount, m(900));
        assert_eq!(t.line_discounts, vec![m(1_000), m(900)]);
        assert_eq!(t.total, m(8_100));

        // A coupon on everything can bring the total to zero, never below.
        let coupon = CouponDiscount {
            amount: m(50_000),
            eligible_lines: [0, 1].into_iter().collect(),
        };
        let t = price_sale(&lines, Decimal::ZERO, Some(&coupon)).unwrap();
        assert_eq!(t.total, m(0));
        assert_eq!(t.points, 0);
        assert_eq!(settle(t.total, &[]).unwrap().change, m(0));
    }

    #[test]
    fn anonymous_sale_has_no_discount() {
        let t = price_sale(
            &[line(999, 1, 1_800), line(1, 1, 1_800)],
            Decimal::ZERO,
            None,
        )
        .unwrap();
        assert_eq!(t.total, m(1_000));
        assert_eq!(t.line_discounts, vec![m(0), m(0)]);
        assert_eq!(t.points, 1);
        assert_eq!(points_credited(t.total, true), 1);
        assert_eq!(points_credited(t.total, false), 0);
    }

    #[test]
    fn refuses_bad_baskets_with_stable_codes() {
        let err = |r: Result<SaleTotals, SaleError>| r.unwrap_err().code();
        assert_eq!(err(price_sale(&[], Decimal::ZERO, None)), "sale.empty");
        assert_eq!(
            err(price_sale(&[line(100, 0, 1_800)], Decimal::ZERO, None)),
            "sale.quantity_invalid"
        );
        assert_eq!(
            err(price_sale(&[line(-1, 1, 1_800)], Decimal::ZERO, None)),
            "sale.price_invalid"
        );
        assert_eq!(
            err(price_sale(&[line(1, 1, 10_001)], Decimal::ZERO, None)),
            "sale.vat_rate_invalid"
        );
        assert_eq!(
            err(price_sale(&[line(1, 1, 0)], Decimal::from(101), None)),
            "sale.loyalty_percent_invalid"
        );
        assert_eq!(
            err(price_sale(&[line(i64::MAX, 2, 0)], Decimal::ZERO, None)),
            "sale.amount_too_large"
        );
        let coupon = |amount: i64, lines: &[usize]| CouponDiscount {
            amount: m(amount),
            eligible_lines: lines.iter().copied().collect(),
        };
        assert_eq!(
            err(price_sale(
                &[line(1, 1, 0)],
                Decimal::ZERO,
                Some(&coupon(-1, &[0]))
            )),
            "sale.coupon_amount_invalid"
        );
        assert_eq!(
            err(price_sale(
                &[line(1, 1, 0)],
                Decimal::ZERO,
                Some(&coupon(1, &[1]))
            )),
            "sale.coupon_line_invalid"
        );
        assert_eq!(
            err(price_sale(
                &[line(1, 1, 0)],
                Decimal::ZERO,
                Some(&coupon(1, &[]))
            )),
            "sale.coupon_no_eligible_line"
        );
        let e = price_sale(&[line(100, 0, 1_800)], Decimal::ZERO, None).unwrap_err();
        assert_eq!(
            e.to_string(),
            "Ligne 1 : la quantité doit être d'au moins 1."
        );
    }

    #[test]
    fn payments_rules() {
        use PaymentMethod::*;
        let total = m(9_538);
        // Card + mobile money exactly.
        let s = settle(total, &[pay(Carte, 5_000), pay(Wave, 4_538)]).unwrap();
        assert_eq!((s.paid, s.change), (m(9_538), m(0)));
        // Card then cash with change.
        let s = settle(total, &[pay(Carte, 5_000), pay(Especes, 5_000)]).unwrap();
        assert_eq!((s.paid, s.change), (m(10_000), m(462)));
        assert_eq!(
            applied_amounts(&[pay(Carte, 5_000), pay(Especes, 5_000)], s.change),
            vec![m(5_000), m(4_538)]
        );
        let e = settle(total, &[pay(Especes, 9_000)]).unwrap_err();
        assert_eq!(e.code(), "payment.insufficient");
        assert_eq!(
            e.to_string(),
            "Paiement insuffisant : 9\u{202F}000 FCFA reçus pour un total de 9\u{202F}538 FCFA."
        );
        assert_eq!(
            settle(total, &[]).unwrap_err().code(),
            "payment.insufficient"
        );
        assert_eq!(
            settle(total, &[pay(OrangeMoney, 10_000)])
                .unwrap_err()
                .code(),
            "payment.non_cash_overpayment"
        );
        // Order does not matter: 9 500 by card leaves 38 due, 100 in cash → 62 back.
        let s = settle(total, &[pay(Especes, 100), pay(Carte, 9_500)]).unwrap();
        assert_eq!((s.paid, s.change), (m(9_600), m(62)));
        // Two non-cash payments that together exceed the total.
        assert_eq!(
            settle(total, &[pay(Carte, 9_000), pay(MoovMoney, 1_000)])
                .unwrap_err()
                .code(),
            "payment.non_cash_overpayment"
        );
        assert_eq!(
            settle(total, &[pay(Especes, 10_000), pay(Cheque, 0)])
                .unwrap_err()
                .code(),
            "payment.amount_invalid"
        );
        assert_eq!(
            settle(total, &[pay(Especes, -5)]).unwrap_err().code(),
            "payment.amount_invalid"
        );
    }

    #[test]
    fn serde_names() {
        use serde::de::value::{Error, StrDeserializer};
        use serde::de::IntoDeserializer;
        for method in PaymentMethod::ALL {
            let de: StrDeserializer<'_, Error> = method.as_str().into_deserializer();
            assert_eq!(PaymentMethod::deserialize(de), Ok(method));
            assert_eq!(method.as_str().parse::<PaymentMethod>(), Ok(method));
        }
        for category in Category::ALL {
            let de: StrDeserializer<'_, Error> = category.as_str().into_deserializer();
            assert_eq!(Category::deserialize(de), Ok(category));
            assert_eq!(category.as_str().parse::<Category>(), Ok(category));
        }
        assert_eq!(
            "mtn_momo".parse::<PaymentMethod>(),
            Ok(PaymentMethod::MtnMomo)
        );
        assert!("BITCOIN".parse::<PaymentMethod>().is_err());
        for status in SaleStatus::ALL {
            let de: StrDeserializer<'_, Error> = status.as_str().into_deserializer();
            assert_eq!(SaleStatus::deserialize(de), Ok(status));
            assert_eq!(status.as_str().parse::<SaleStatus>(), Ok(status));
        }
    }

    #[test]
    fn an_unknown_sale_status_is_an_error_not_a_default() {
        assert_eq!(
            "VALIDATED".parse::<SaleStatus>().unwrap_err(),
            "statut de vente inconnu « VALIDATED »"
        );
        assert!(
            "completed".parse::<SaleStatus>().is_err(),
            "stored names are exact"
        );
    }

    #[test]
    fn ticket_numbers() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 7).unwrap();
        assert_eq!(ticket_number("ABJ01", date, 42), "TKT-ABJ01-20260307-0042");
        assert_eq!(
            ticket_number("ABJ01", date, 12_345),
            "TKT-ABJ01-20260307-12345"
        );
    }

    #[test]
    fn allocation_examples() {
        assert_eq!(
            allocate_proportionally(m(10), &[m(1), m(1), m(1)]),
            vec![m(4), m(3), m(3)]
        );
        assert_eq!(allocate_proportionally(m(0), &[m(5)]), vec![m(0)]);
        assert_eq!(
            allocate_proportionally(m(7), &[m(0), m(7)]),
            vec![m(0), m(7)]
        );
    }

    fn arb_line() -> impl Strategy<Value = SaleLine> {
        (
            0i64..200_000,
            1u32..50,
            prop::sample::select(vec![0u32, 900, 1_800]),
            prop::sample::select(Category::ALL.to_vec()),
        )
            .prop_map(|(price, qty, rate, category)| SaleLine {
                product_id: 7,
                unit_price: Money::fcfa(price),
                vat_rate_bp: rate,
                category,
                quantity: qty,
            })
    }

    fn arb_basket() -> impl Strategy<Value = (Vec<SaleLine>, Decimal, Option<CouponDiscount>)> {
        (
            prop::collection::vec(arb_line(), 1..12),
            prop::sample::select(vec![0i64, 3, 5, 10, 15, 100]),
            0u32..1_000,
            prop::option::of((
                0i64..2_000_000,
                prop::collection::btree_set(0usize..12, 1..6),
            )),
        )
            .prop_map(|(lines, pct, frac, coupon)| {
                let n = lines.len();
                // Percent with up to 2 decimals, e.g. 5 or 7.25.
                let pct = if pct == 100 {
                    Decimal::ONE_HUNDRED
                } else {
                    Decimal::from(pct) + Decimal::new(i64::from(frac % 100), 2)
                };
                let coupon = coupon.map(|(amount, set)| CouponDiscount {
                    amount: Money::fcfa(amount),
                    eligible_lines: set.into_iter().map(|i| i % n).collect(),
                });
                (lines, pct, coupon)
            })
    }

    proptest! {
        #[test]
        fn totals_are_consistent((lines, pct, coupon) in arb_basket()) {
            let t = price_sale(&lines, pct, coupon.as_ref()).unwrap();
            prop_assert!(t.total >= Money::ZERO);
            prop_assert_eq!(t.total, t.subtotal - t.loyalty_discount - t.coupon_discount);
            prop_assert!(t.coupon_discount <= coupon.as_ref().map_or(Money::ZERO, |c| c.amount));
            prop_assert_eq!(t.loyalty_discount, t.subtotal.percent(pct));

            // Allocations add up to the discounts and never exceed a line total.
            let allocated: i64 = t.line_discounts.iter().map(|d| d.francs()).sum();
            prop_assert_eq!(allocated, (t.loyalty_discount + t.coupon_discount).francs());
            for (line, d) in lines.iter().zip(&t.line_discounts) {
                prop_assert!(*d >= Money::ZERO);
                prop_assert!(*d <= line.line_total().unwrap());
            }
            // Lines outside the coupon carry only their loyalty share.
            let loyalty_only: Vec<Money> = lines.iter().map(|l| l.line_total().unwrap()).collect();
            let loyalty_parts = allocate_proportionally(t.loyalty_discount, &loyalty_only);
            for (i, (&d, &l)) in t.line_discounts.iter().zip(&loyalty_parts).enumerate() {
                let eligible = coupon.as_ref().is_some_and(|c| c.eligible_lines.contains(&i));
                if !eligible {
                    prop_assert_eq!(d, l);
                }
            }

            // The VAT bases add up to the total; each line is consistent.
            let bases: i64 = t.vat.iter().map(|v| v.base.francs()).sum();
            prop_assert_eq!(bases, t.total.francs());
            for v in &t.vat {
                prop_assert_eq!(v.net + v.vat, v.base);
                prop_assert!(v.vat >= Money::ZERO && v.vat <= v.base);
            }

            prop_assert_eq!(t.points, t.total.francs() / 1_000);
            prop_assert_eq!(t.points, points_for(t.total));
        }

        #[test]
        fn covering_payments_succeed(
            (lines, pct, coupon) in arb_basket(),
            non_cash_share in 0u32..=100,
            cash_extra in 0i64..50_000,
            split in prop::sample::select(PaymentMethod::ALL[1..].to_vec()),
        ) {
            let priced = price_sale(&lines, pct, coupon.as_ref()).unwrap();
            let total = priced.total;
            let non_cash = Money::fcfa(total.francs() * i64::from(non_cash_share) / 100);
            let cash = total - non_cash + Money::fcfa(cash_extra);
            let mut payments = Vec::new();
            if non_cash > Money::ZERO {
                payments.push(pay(split, non_cash.francs()));
            }
            if cash > Money::ZERO {
                payments.push(pay(PaymentMethod::Especes, cash.francs()));
            }
            let t = compute_sale(&SaleInput {
                lines: lines.clone(),
                loyalty_percent: pct,
                coupon: coupon.clone(),
                payments: payments.clone(),
            }).unwrap();
            prop_assert_eq!(t.paid, non_cash + cash);
            prop_assert_eq!(t.change, t.paid - t.total);
            prop_assert!(t.change >= Money::ZERO);
            prop_assert!(t.change <= cash);
            let applied: i64 = applied_amounts(&payments, t.change).iter().map(|a| a.francs()).sum();
            prop_assert_eq!(applied, t.total.francs());
        }

        #[test]
        fn insufficient_payment_is_refused(
            (lines, pct, coupon) in arb_basket(),
            methods in prop::collection::vec(prop::sample::select(PaymentMethod::ALL.to_vec()), 1..4),
            short in 1i64..10_000,
        ) {
            let total = price_sale(&lines, pct, coupon.as_ref()).unwrap().total;
            prop_assume!(total.francs() - short >= methods.len() as i64);
            // Split total − short over the methods, each at least 1 franc.
            let paid = total.francs() - short;
            let n = methods.len() as i64;
            let payments: Vec<Payment> = methods
                .iter()
                .enumerate()
                .map(|(i, &method)| {
                    let base = paid / n;
                    let amount = if i == 0 { base + paid % n } else { base };
                    pay(method, amount)
                })
                .collect();
            let err = settle(total, &payments).unwrap_err();
            prop_assert_eq!(err.code(), "payment.insufficient");
        }

        #[test]
        fn allocation_is_exact_and_bounded(
            weights in prop::collection::vec(0i64..1_000_000, 1..20),
            share in 0u32..=1_000,
        ) {
            let sum: i64 = weights.iter().sum();
            let amount = Money::fcfa(sum * i64::from(share) / 1_000);
            let weights: Vec<Money> = weights.into_iter().map(Money::fcfa).collect();
            let parts = allocate_proportionally(amount, &weights);
            let total: i64 = parts.iter().map(|p| p.francs()).sum();
            prop_assert_eq!(total, amount.francs());
            for (p, w) in parts.iter().zip(&weights) {
                prop_assert!(*p >= Money::ZERO && p <= w);
            }
        }
    }
}
