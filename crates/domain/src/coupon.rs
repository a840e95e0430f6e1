//! Coupons (SPEC §3): what a coupon is, the ten checks a redemption passes — in the
//! SPEC's order, each refusal with its own stable code — and the discount it grants.
//!
//! The same [`evaluate`] answers the POS quote and, under the coupon's row lock, the
//! checkout: a quote and a sale can never disagree on the rules.

use crate::codes;
use crate::loyalty::Level;
use crate::money::Money;
use crate::sale::{allocate_proportionally, Category, CouponDiscount, SaleLine};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

/// Letters and digits a customer cannot misread (no 0/O, 1/I/L).
pub const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";

/// Random characters in a generated code (31¹⁰ ≈ 8·10¹⁴ possibilities).
const GENERATED_CHARS: usize = 10;

/// Shortest and longest code marketing may choose.
const VANITY_LEN: std::ops::RangeInclusive<usize> = 3..=32;

/// GENERIC (a public promo code) or SPECIAL (issued to one customer).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CouponKind {
    /// Anyone presenting the code.
    Generic,
    /// Only its assigned customer.
    Special,
}

/// PERCENT of the eligible amount, or a FIXED amount of FCFA.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum DiscountKind {
    /// `value` percent (1–100) of the eligible lines.
    Percent,
    /// `value` FCFA, at most the eligible lines' amount.
    Fixed,
}

/// Whether a coupon may be used. Stored: ACTIVE, INACTIVE or EXPIRED; shown
/// ([`Coupon::status_on`]): an ACTIVE coupon past its end date is EXPIRED, one whose caps
/// are all used is EXHAUSTED.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum CouponStatus {
    /// Usable within its dates.
    Active,
    /// Deactivated by marketing.
    Inactive,
    /// Past its end date.
    Expired,
    /// Every use its caps allow has been made (shown, never stored).
    Exhausted,
}

macro_rules! names {
    ($ty:ty, $what:literal, $($variant:path => $name:literal),+) => {
        impl $ty {
            /// The stored and serialised name.
            pub fn as_str(self) -> &'static str {
                match self { $($variant => $name),+ }
            }
        }
        impl FromStr for $ty {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim().to_ascii_uppercase().as_str() {
                    $($name => Ok($variant),)+
                    _ => Err(format!(concat!($what, " inconnu « {} »"), s.trim())),
                }
            }
        }
        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}

names!(CouponKind, "type de coupon", CouponKind::Generic => "GENERIC", CouponKind::Special => "SPECIAL");
names!(DiscountKind, "type de remise", DiscountKind::Percent => "PERCENT", DiscountKind::Fixed => "FIXED");
names!(CouponStatus, "statut de coupon", CouponStatus::Active => "ACTIVE", CouponStatus::Inactive => "INACTIVE", CouponStatus::Expired => "EXPIRED", CouponStatus::Exhausted => "EXHAUSTED");

impl CouponKind {
    /// The prefix of generated codes, so a cashier sees the type at a glance.
    pub fn code_prefix(self) -> &'static str {
        match self {
            CouponKind::Generic => "GEN",
            CouponKind::Special => "SPE",
        }
    }
}

/// The rules of one coupon, as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Coupon {
    /// GENERIC or SPECIAL.
    pub kind: CouponKind,
    /// PERCENT or FIXED.
    pub discount_kind: DiscountKind,
    /// Percent (1–100) or FCFA (> 0).
    pub value: i64,
    /// First day of validity (store-local, inclusive).
    pub valid_from: NaiveDate,
    /// Last day of validity (store-local, inclusive).
    pub valid_to: NaiveDate,
    /// Most uses in all, if capped.
    pub global_cap: Option<u32>,
    /// Most uses per customer (default 1).
    pub per_customer_cap: u32,
    /// Smallest basket (subtotal) it applies to.
    pub min_basket: Money,
    /// Lowest loyalty level allowed, if any.
    pub required_level: Option<Level>,
    /// The customer a SPECIAL coupon belongs to.
    pub customer_id: Option<i64>,
    /// Categories the discount applies to; empty = every line.
    pub eligible_categories: BTreeSet<Category>,
    /// Whether it adds to the loyalty discount.
    pub stacks_with_loyalty: bool,
    /// As stored (an ACTIVE coupon past its dates is refused by the date check).
    pub status: CouponStatus,
}

/// Uses already counted against the caps (refunded and cancelled sales do not count).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CouponUsage {
    /// Uses by anyone.
    pub global: u32,
    /// Uses by the identified customer (0 for an anonymous sale).
    pub by_customer: u32,
}

/// The basket and customer a coupon is checked against.
#[derive(Clone, Debug)]
pub struct Redemption<'a> {
    /// Store-local date of the sale.
    pub today: NaiveDate,
    /// The identified customer and their level; `None` for an anonymous sale.
    pub customer: Option<(i64, Level)>,
    /// The basket, priced from the catalogue.
    pub lines: &'a [SaleLine],
    /// The customer's loyalty discount in percent (0 when anonymous).
    pub loyalty_percent: Decimal,
}

/// Why a coupon is refused, one variant per check of SPEC §3, in that order.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CouponRefusal {
    /// 1. No coupon has this code.
    #[error("Code promo inconnu : vérifiez la saisie.")]
    NotFound,
    /// 2. Deactivated (or marked expired).
    #[error("Ce coupon n'est plus actif.")]
    NotActive,
    /// 3. Today is before the first day.
    #[error("Ce coupon n'est valable qu'à partir du {}.", .0.format("%d/%m/%Y"))]
    NotYetValid(NaiveDate),
    /// 3. Today is after the last day.
    #[error("Ce coupon a expiré le {}.", .0.format("%d/%m/%Y"))]
    Expired(NaiveDate),
    /// 4. Every use allowed has been made.
    #[error("Ce coupon a atteint son nombre maximal d'utilisations ({0}).")]
    GlobalCapReached(u32),
    /// 5. This customer has used it as often as allowed.
    #[error("Ce client a déjà utilisé ce coupon le nombre de fois autorisé ({0}).")]
    CustomerCapReached(u32),
    /// 6. The basket is below the minimum.
    #[error("Panier insuffisant : ce coupon demande un minimum d'achat de {0}.")]
    BasketBelowMinimum(Money),
    /// 7. The customer's level is too low (or the sale is anonymous).
    #[error("Ce coupon est réservé aux clients de niveau {} ou plus.", level_name(*.0))]
    LevelTooLow(Level),
    /// 8. A SPECIAL coupon presented without its customer.
    #[error("Ce coupon est personnel : identifiez le client à qui il a été attribué.")]
    WrongCustomer,
    /// 9. No line of the basket is in an eligible category.
    #[error("Aucun article du panier n'est concerné par ce coupon.")]
    NoEligibleLine,
    /// 10. It does not add to the customer's loyalty discount.
    #[error("Ce coupon ne se cumule pas avec la remise fidélité du client.")]
    NoStacking,
}

fn level_name(level: Level) -> &'static str {
    match level {
        Level::Standard => "Standard",
        Level::Silver => "Silver",
        Level::Gold => "Gold",
        Level::Vip => "VIP",
    }
}

impl CouponRefusal {
    /// A stable machine-readable reason code, e.g. `coupon.global_cap_reached`.
    pub fn code(&self) -> &'static str {
        match self {
            CouponRefusal::NotFound => codes::COUPON_NOT_FOUND,
            CouponRefusal::NotActive => codes::COUPON_INACTIVE,
            CouponRefusal::NotYetValid(_) | CouponRefusal::Expired(_) => codes::COUPON_OUT_OF_DATES,
            CouponRefusal::GlobalCapReached(_) => codes::COUPON_GLOBAL_CAP_REACHED,
            CouponRefusal::CustomerCapReached(_) => codes::COUPON_CUSTOMER_CAP_REACHED,
            CouponRefusal::BasketBelowMinimum(_) => codes::COUPON_BASKET_BELOW_MINIMUM,
            CouponRefusal::LevelTooLow(_) => codes::COUPON_LEVEL_TOO_LOW,
            CouponRefusal::WrongCustomer => codes::COUPON_WRONG_CUSTOMER,
            CouponRefusal::NoEligibleLine => codes::COUPON_NO_ELIGIBLE_LINE,
            CouponRefusal::NoStacking => codes::COUPON_NO_STACKING,
        }
    }

    /// Whether the refusal comes from uses made by other sales (checks 4 and 5): what
    /// concurrent tills race for.
    pub fn is_cap(&self) -> bool {
        matches!(
            self,
            CouponRefusal::GlobalCapReached(_) | CouponRefusal::CustomerCapReached(_)
        )
    }
}

/// Runs checks 2 to 10 of SPEC §3 in order (check 1, the code exists, is the lookup
/// that produced `coupon`) and computes the discount:
/// PERCENT → eligible amount × value / 100 rounded half up; FIXED → min(value, eligible
/// amount). The eligible amount is what the eligible lines cost after the loyalty
/// discount, so the two discounts never exceed the price.
pub fn evaluate(
    coupon: &Coupon,
    usage: CouponUsage,
    sale: &Redemption<'_>,
) -> Result<CouponDiscount, CouponRefusal> {
    if coupon.status != CouponStatus::Active {
        return Err(CouponRefusal::NotActive);
    }
    if sale.today < coupon.valid_from {
        return Err(CouponRefusal::NotYetValid(coupon.valid_from));
    }
    if sale.today > coupon.valid_to {
        return Err(CouponRefusal::Expired(coupon.valid_to));
    }
    if let Some(cap) = coupon.global_cap {
        if usage.global >= cap {
            return Err(CouponRefusal::GlobalCapReached(cap));
        }
    }
    if sale.customer.is_some() && usage.by_customer >= coupon.per_customer_cap {
        return Err(CouponRefusal::CustomerCapReached(coupon.per_customer_cap));
    }
    let line_totals: Vec<Money> = sale
        .lines
        .iter()
        .map(|l| l.line_total().unwrap_or(Money::fcfa(i64::MAX)))
        .collect();
    let subtotal = Money::fcfa(
        line_totals
            .iter()
            .fold(0i64, |acc, m| acc.saturating_add(m.francs())),
    );
    if subtotal < coupon.min_basket {
        return Err(CouponRefusal::BasketBelowMinimum(coupon.min_basket));
    }
    if let Some(required) = coupon.required_level {
        match sale.customer {
            Some((_, level)) if level >= required => {}
            _ => return Err(CouponRefusal::LevelTooLow(required)),
        }
    }
    if coupon.kind == CouponKind::Special {
        match (sale.customer, coupon.customer_id) {
            (Some((id, _)), Some(owner)) if id == owner => {}
            _ => return Err(CouponRefusal::WrongCustomer),
        }
    }
    let eligible_lines: BTreeSet<usize> = sale
        .lines
        .iter()
        .enumerate()
        .filter(|(_, l)| {
            coupon.eligible_categories.is_empty()
                || coupon.eligible_categories.contains(&l.category)
        })
        .map(|(i, _)| i)
        .collect();
    if eligible_lines.is_empty() {
        return Err(CouponRefusal::NoEligibleLine);
    }
    if !coupon.stacks_with_loyalty && sale.loyalty_percent > Decimal::ZERO {
        return Err(CouponRefusal::NoStacking);
    }

    // What the eligible lines still cost once the loyalty discount is spread (the same
    // spreading `price_sale` does).
    let loyalty = subtotal
        .percent(
            sale.loyalty_percent
                .clamp(Decimal::ZERO, Decimal::ONE_HUNDRED),
        )
        .min(subtotal);
    let loyalty_parts = allocate_proportionally(loyalty, &line_totals);
    let eligible_amount = Money::fcfa(
        line_totals
            .iter()
            .zip(&loyalty_parts)
            .enumerate()
            .filter(|(i, _)| eligible_lines.contains(i))
            .map(|(_, (&total, &loyalty))| (total - loyalty).francs())
            .sum(),
    );
    let amount = match coupon.discount_kind {
        DiscountKind::Percent => eligible_amount.percent(Decimal::from(coupon.value)),
        DiscountKind::Fixed => Money::fcfa(coupon.value),
    }
    .min(eligible_amount);
    Ok(CouponDiscount {
        amount,
        eligible_lines,
    })
}

/// Whether the till may offer this coupon to this customer before the basket is known:
/// [`evaluate`] itself, run on the most favourable basket (at the minimum, in an eligible
/// category), so that only what no basket can change refuses it — status, dates, caps,
/// level, holder, stacking. The minimum basket is shown with the offer.
pub fn offerable(
    coupon: &Coupon,
    usage: CouponUsage,
    today: NaiveDate,
    customer: (i64, Level),
    loyalty_percent: Decimal,
) -> bool {
    let price = if coupon.min_basket > Money::fcfa(1) {
        coupon.min_basket
    } else {
        Money::fcfa(1)
    };
    let category = coupon
        .eligible_categories
        .iter()
        .next()
        .copied()
        .unwrap_or(Category::Alimentaire);
    let best = [SaleLine {
        product_id: 0,
        unit_price: price,
        vat_rate_bp: 1_800,
        category,
        quantity: 1,
    }];
    let sale = Redemption {
        today,
        customer: Some(customer),
        lines: &best,
        loyalty_percent,
    };
    evaluate(coupon, usage, &sale).is_ok()
}

/// Normalises what a cashier typed: case and spaces are ignored (`noel 2026` →
/// `NOEL2026`).
pub fn normalize_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// A new code of `kind`: its prefix, then ten characters of [`CODE_ALPHABET`] in two
/// groups (`SPE-7KX3M-9QH4T`). `random` yields uniformly distributed numbers.
#[expect(
    clippy::indexing_slicing,
    reason = "the index is taken modulo the alphabet's length"
)]
pub fn generate_code(kind: CouponKind, mut random: impl FnMut() -> u32) -> String {
    let mut code = String::with_capacity(4 + GENERATED_CHARS + 1);
    code.push_str(kind.code_prefix());
    for i in 0..GENERATED_CHARS {
        if i % 5 == 0 {
            code.push('-');
        }
        let idx = random() as usize % CODE_ALPHABET.len();
        code.push(char::from(CODE_ALPHABET[idx]));
    }
    code
}

/// Why a coupon cannot be created as asked. `code()` is stable.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum CouponDefinitionError {
    /// A vanity code with characters other than letters, digits and dashes.
    #[error("Code promo invalide : de 3 à 32 lettres, chiffres ou tirets.")]
    CodeInvalid,
    /// A chosen code on a SPECIAL coupon.
    #[error("Les coupons personnels reçoivent un code généré : ne fixez pas de code.")]
    CodeNotAllowed,
    /// A percent outside 1–100 or an amount ≤ 0.
    #[error("Valeur de remise invalide : de 1 à 100 % pour un pourcentage, plus de 0 FCFA pour un montant.")]
    ValueInvalid,
    /// The end date is before the start date.
    #[error("La date de fin doit suivre la date de début.")]
    DatesInvalid,
    /// A cap of zero.
    #[error("Les plafonds d'utilisation doivent valoir au moins 1.")]
    CapInvalid,
    /// A negative minimum basket.
    #[error("Le minimum d'achat ne peut pas être négatif.")]
    MinBasketInvalid,
    /// SPECIAL without customer, or GENERIC with one.
    #[error("Un coupon personnel s'attribue à un client ; un code générique à aucun.")]
    CustomerMismatch,
}

impl CouponDefinitionError {
    /// A stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CouponDefinitionError::CodeInvalid => codes::COUPON_CODE_INVALID,
            CouponDefinitionError::CodeNotAllowed => codes::COUPON_CODE_NOT_ALLOWED,
            CouponDefinitionError::ValueInvalid => codes::COUPON_VALUE_INVALID,
            CouponDefinitionError::DatesInvalid => codes::COUPON_DATES_INVALID,
            CouponDefinitionError::CapInvalid => codes::COUPON_CAP_INVALID,
            CouponDefinitionError::MinBasketInvalid => codes::COUPON_MIN_BASKET_INVALID,
            CouponDefinitionError::CustomerMismatch => codes::COUPON_CUSTOMER_MISMATCH,
        }
    }
}

/// Normalises and checks a code marketing chose for a GENERIC promo (`Noël-2026` is
/// refused: letters A–Z, digits and dashes only).
pub fn vanity_code(chosen: &str) -> Result<String, CouponDefinitionError> {
    let code = normalize_code(chosen);
    let ok = VANITY_LEN.contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Ok(code)
    } else {
        Err(CouponDefinitionError::CodeInvalid)
    }
}

impl Coupon {
    /// Checks a definition before it is stored.
    pub fn validate(&self) -> Result<(), CouponDefinitionError> {
        let value_ok = match self.discount_kind {
            DiscountKind::Percent => (1..=100).contains(&self.value),
            DiscountKind::Fixed => self.value > 0,
        };
        if !value_ok {
            return Err(CouponDefinitionError::ValueInvalid);
        }
        if self.valid_to < self.valid_from {
            return Err(CouponDefinitionError::DatesInvalid);
        }
        if self.global_cap == Some(0) || self.per_customer_cap == 0 {
            return Err(CouponDefinitionError::CapInvalid);
        }
        if self.min_basket < Money::ZERO {
            return Err(CouponDefinitionError::MinBasketInvalid);
        }
        if (self.kind == CouponKind::Special) != self.customer_id.is_some() {
            return Err(CouponDefinitionError::CustomerMismatch);
        }
        Ok(())
    }

    /// Whether `uses` (those that count, refunds released) leave no use to anyone: the
    /// global cap is reached, or a SPECIAL coupon's one holder has used their cap. A
    /// GENERIC coupon's per-customer cap leaves it to other customers.
    pub fn used_up(&self, uses: u32) -> bool {
        self.global_cap.is_some_and(|cap| uses >= cap)
            || (self.kind == CouponKind::Special && uses >= self.per_customer_cap)
    }

    /// The status to show on `today` after `uses`: an ACTIVE coupon past its last day is
    /// EXPIRED, else used up it is EXHAUSTED. The store's list filter writes the same rule
    /// in SQL (`crm_store::coupons::filtered`).
    pub fn status_on(&self, today: NaiveDate, uses: u32) -> CouponStatus {
        match self.status {
            CouponStatus::Active if today > self.valid_to => CouponStatus::Expired,
            CouponStatus::Active if self.used_up(uses) => CouponStatus::Exhausted,
            status => status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sale::price_sale;
    use proptest::prelude::*;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    fn line(price: i64, qty: u32, category: Category) -> SaleLine {
        SaleLine {
            product_id: 1,
            unit_price: Money::fcfa(price),
            vat_rate_bp: 1800,
            category,
            quantity: qty,
        }
    }

    fn generic() -> Coupon {
        Coupon {
            kind: CouponKind::Generic,
            discount_kind: DiscountKind::Percent,
            value: 10,
            valid_from: day(1),
            valid_to: day(31),
            global_cap: Some(10),
            per_customer_cap: 1,
            min_basket: Money::fcfa(5_000),
            required_level: None,
            customer_id: None,
            eligible_categories: BTreeSet::new(),
            stacks_with_loyalty: true,
            status: CouponStatus::Active,
        }
    }

    fn basket() -> Vec<SaleLine> {
        vec![
            line(4_500, 1, Category::Alimentaire),
            line(1_000, 3, Category::Boissons),
        ]
    }

    fn sale<'a>(lines: &'a [SaleLine], customer: Option<(i64, Level)>) -> Redemption<'a> {
        Redemption {
            today: day(15),
            customer,
            lines,
            loyalty_percent: Decimal::ZERO,
        }
    }

    fn refusal(coupon: &Coupon, usage: CouponUsage, sale: &Redemption<'_>) -> &'static str {
        evaluate(coupon, usage, sale).unwrap_err().code()
    }

    #[test]
    fn offered_before_the_basket_unless_no_basket_could_make_it_apply() {
        let aya = (7, Level::Standard);
        let unused = CouponUsage::default();
        let mut c = generic();
        c.eligible_categories = BTreeSet::from([Category::Boissons]);
        assert!(
            offerable(&c, unused, day(15), aya, Decimal::ZERO),
            "min basket and category are the basket's business"
        );
        let used = CouponUsage {
            global: 1,
            by_customer: 1,
        };
        assert!(
            !offerable(&c, used, day(15), aya, Decimal::ZERO),
            "no use left for this customer"
        );
        assert!(
            !offerable(
                &c,
                unused,
                day(31) + chrono::Days::new(1),
                aya,
                Decimal::ZERO
            ),
            "expired"
        );
        c.required_level = Some(Level::Gold);
        assert!(
            !offerable(&c, unused, day(15), aya, Decimal::ZERO),
            "level too low"
        );
        assert!(offerable(
            &c,
            unused,
            day(15),
            (7, Level::Vip),
            Decimal::ZERO
        ));
        c.stacks_with_loyalty = false;
        assert!(
            !offerable(&c, unused, day(15), (7, Level::Vip), Decimal::TEN),
            "does not stack with the loyalty discount"
        );
    }

    #[test]
    fn percent_of_the_whole_basket() {
        let lines = basket();
        let d = evaluate(&generic(), CouponUsage::default(), &sale(&lines, None)).unwrap();
        assert_eq!(d.amount, Money::fcfa(750));
        assert_eq!(d.eligible_lines, BTreeSet::from([0, 1]));
    }

    #[test]
    fn percent_rounds_half_up() {
        let lines = [line(1_005, 1, Category::Maison)];
        let mut c = generic();
        c.min_basket = Money::ZERO;
        c.value = 10; // 100.5 → 101
        let d = evaluate(&c, CouponUsage::default(), &sale(&lines, None)).unwrap();
        assert_eq!(d.amount, Money::fcfa(101));
    }

    #[test]
    fn fixed_is_capped_by_the_eligible_lines() {
        let lines = basket();
        let mut c = generic();
        c.discount_kind = DiscountKind::Fixed;
        c.value = 5_000;
        c.eligible_categories = BTreeSet::from([Category::Boissons]);
        let d = evaluate(&c, CouponUsage::default(), &sale(&lines, None)).unwrap();
        assert_eq!(d.amount, Money::fcfa(3_000));
        assert_eq!(d.eligible_lines, BTreeSet::from([1]));
        c.value = 2_000;
        let d = evaluate(&c, CouponUsage::default(), &sale(&lines, None)).unwrap();
        assert_eq!(d.amount, Money::fcfa(2_000));
    }

    #[test]
    fn percent_applies_after_the_loyalty_discount_when_stacking() {
        let lines = [line(10_000, 1, Category::Alimentaire)];
        let mut c = generic();
        c.required_level = None;
        let mut s = sale(&lines, Some((7, Level::Gold)));
        s.loyalty_percent = Decimal::from(5);
        // 10 000 − 5 % = 9 500; 10 % of it = 950.
        let d = evaluate(&c, CouponUsage::default(), &s).unwrap();
        assert_eq!(d.amount, Money::fcfa(950));
        let totals = price_sale(&lines, s.loyalty_percent, Some(&d)).unwrap();
        assert_eq!(totals.coupon_discount, Money::fcfa(950));
        assert_eq!(totals.total, Money::fcfa(8_550));
    }

    #[test]
    fn each_check_has_its_own_code_in_spec_order() {
        let lines = basket();
        let anon = sale(&lines, None);
        let none = CouponUsage::default();

        let mut c = generic();
        c.status = CouponStatus::Inactive;
        assert_eq!(refusal(&c, none, &anon), "coupon.inactive");
        // Inactive wins over every later check.
        c.valid_to = day(2);
        assert_eq!(refusal(&c, none, &anon), "coupon.inactive");

        let mut c = generic();
        c.valid_from = day(16);
        assert_eq!(refusal(&c, none, &anon), "coupon.out_of_dates");
        let mut c = generic();
        c.valid_to = day(14);
        assert_eq!(refusal(&c, none, &anon), "coupon.out_of_dates");

        let c = generic();
        let full = CouponUsage {
            global: 10,
            by_customer: 0,
        };
        assert_eq!(refusal(&c, full, &anon), "coupon.global_cap_reached");

        let known = sale(&lines, Some((7, Level::Standard)));
        let used = CouponUsage {
            global: 3,
            by_customer: 1,
        };
        assert_eq!(refusal(&c, used, &known), "coupon.customer_cap_reached");

        let mut c = generic();
        c.min_basket = Money::fcfa(7_501);
        assert_eq!(refusal(&c, none, &anon), "coupon.basket_below_minimum");

        let mut c = generic();
        c.required_level = Some(Level::Silver);
        assert_eq!(refusal(&c, none, &anon), "coupon.level_too_low");
        assert_eq!(refusal(&c, none, &known), "coupon.level_too_low");

        let mut c = generic();
        c.kind = CouponKind::Special;
        c.customer_id = Some(8);
        assert_eq!(refusal(&c, none, &anon), "coupon.wrong_customer");
        assert_eq!(refusal(&c, none, &known), "coupon.wrong_customer");

        let mut c = generic();
        c.eligible_categories = BTreeSet::from([Category::Electronique]);
        assert_eq!(refusal(&c, none, &anon), "coupon.no_eligible_line");

        let mut c = generic();
        c.stacks_with_loyalty = false;
        let mut loyal = sale(&lines, Some((7, Level::Gold)));
        loyal.loyalty_percent = Decimal::from(5);
        assert_eq!(refusal(&c, none, &loyal), "coupon.no_stacking");
        // A customer without loyalty discount may use it.
        assert!(evaluate(&c, none, &known).is_ok());
    }

    #[test]
    fn boundaries_hold() {
        let lines = basket();
        let c = generic();
        for today in [day(1), day(31)] {
            let mut s = sale(&lines, None);
            s.today = today;
            assert!(evaluate(&c, CouponUsage::default(), &s).is_ok(), "{today}");
        }
        // The cap's last use is accepted, the next refused.
        let s = sale(&lines, None);
        let last = CouponUsage {
            global: 9,
            by_customer: 0,
        };
        assert!(evaluate(&c, last, &s).is_ok());
        let next = CouponUsage {
            global: 10,
            by_customer: 0,
        };
        assert!(evaluate(&c, next, &s).is_err());
        // Minimum basket inclusive.
        let mut c = generic();
        c.min_basket = Money::fcfa(7_500);
        assert!(evaluate(&c, CouponUsage::default(), &s).is_ok());
        // Required level inclusive.
        c.required_level = Some(Level::Gold);
        let gold = sale(&lines, Some((7, Level::Gold)));
        assert!(evaluate(&c, CouponUsage::default(), &gold).is_ok());
        let vip = sale(&lines, Some((7, Level::Vip)));
        assert!(evaluate(&c, CouponUsage::default(), &vip).is_ok());
    }

    #[test]
    fn special_coupon_for_its_customer() {
        let lines = basket();
        let mut c = generic();
        c.kind = CouponKind::Special;
        c.customer_id = Some(7);
        let s = sale(&lines, Some((7, Level::Standard)));
        assert!(evaluate(&c, CouponUsage::default(), &s).is_ok());
    }

    #[test]
    fn codes_are_normalised_and_generated_unambiguously() {
        assert_eq!(normalize_code(" noel 2026\t"), "NOEL2026");
        assert_eq!(vanity_code("Noel-2026").unwrap(), "NOEL-2026");
        assert_eq!(vanity_code("NOËL"), Err(CouponDefinitionError::CodeInvalid));
        assert_eq!(vanity_code("AB"), Err(CouponDefinitionError::CodeInvalid));
        let mut n = 0u32;
        let code = generate_code(CouponKind::Special, || {
            n += 7;
            n
        });
        assert!(code.starts_with("SPE-"), "{code}");
        assert_eq!(code.len(), 4 + 10 + 1);
        assert!(code[4..]
            .bytes()
            .all(|b| b == b'-' || CODE_ALPHABET.contains(&b)));
        for ambiguous in [b'0', b'O', b'1', b'I', b'L'] {
            assert!(!CODE_ALPHABET.contains(&ambiguous));
        }
    }

    #[test]
    fn definitions_are_checked() {
        let mut c = generic();
        assert_eq!(c.validate(), Ok(()));
        c.value = 101;
        assert_eq!(c.validate(), Err(CouponDefinitionError::ValueInvalid));
        let mut c = generic();
        c.valid_to = day(1);
        assert_eq!(c.validate(), Ok(()), "a one-day coupon");
        c.valid_from = day(2);
        assert_eq!(c.validate(), Err(CouponDefinitionError::DatesInvalid));
        let mut c = generic();
        c.global_cap = Some(0);
        assert_eq!(c.validate(), Err(CouponDefinitionError::CapInvalid));
        let mut c = generic();
        c.kind = CouponKind::Special;
        assert_eq!(c.validate(), Err(CouponDefinitionError::CustomerMismatch));
        assert_eq!(generic().status_on(day(31), 0), CouponStatus::Active);
        assert_eq!(
            generic().status_on(day(31).succ_opt().unwrap(), 0),
            CouponStatus::Expired
        );
    }

    #[test]
    fn a_coupon_whose_caps_are_used_shows_exhausted() {
        let mut personal = generic();
        personal.kind = CouponKind::Special;
        personal.customer_id = Some(7);
        personal.per_customer_cap = 1;
        assert_eq!(personal.status_on(day(10), 0), CouponStatus::Active);
        assert_eq!(personal.status_on(day(10), 1), CouponStatus::Exhausted);
        // Past its end date, expiry is what the list says.
        assert_eq!(
            personal.status_on(day(31).succ_opt().unwrap(), 1),
            CouponStatus::Expired
        );
        personal.status = CouponStatus::Inactive;
        assert_eq!(personal.status_on(day(10), 1), CouponStatus::Inactive);
        // A generic code stays open to other customers until its global cap.
        let mut promo = generic();
        promo.global_cap = None;
        assert_eq!(promo.status_on(day(10), 50), CouponStatus::Active);
        promo.global_cap = Some(50);
        assert_eq!(promo.status_on(day(10), 50), CouponStatus::Exhausted);
    }

    proptest! {
        /// Whatever the basket, the discount never exceeds what the eligible lines cost
        /// after loyalty, and pricing the sale with it never goes negative.
        #[test]
        fn discount_never_exceeds_the_eligible_lines(
            prices in proptest::collection::vec((1i64..200_000, 1u32..20, 0usize..6), 1..8),
            value in 1i64..=100,
            fixed in any::<bool>(),
            loyalty in 0u32..=10,
            category in 0usize..6,
        ) {
            let lines: Vec<SaleLine> = prices
                .iter()
                .map(|&(p, q, c)| line(p, q, Category::ALL[c]))
                .collect();
            let mut c = generic();
            c.min_basket = Money::ZERO;
            c.discount_kind = if fixed { DiscountKind::Fixed } else { DiscountKind::Percent };
            c.value = if fixed { value * 1_000 } else { value };
            c.eligible_categories = BTreeSet::from([Category::ALL[category]]);
            let mut s = sale(&lines, Some((1, Level::Vip)));
            s.loyalty_percent = Decimal::from(loyalty);
            match evaluate(&c, CouponUsage::default(), &s) {
                Ok(d) => {
                    let totals = price_sale(&lines, s.loyalty_percent, Some(&d)).unwrap();
                    prop_assert_eq!(totals.coupon_discount, d.amount);
                    prop_assert!(totals.total >= Money::ZERO);
                    for (i, disc) in totals.line_discounts.iter().enumerate() {
                        prop_assert!(*disc <= lines[i].line_total().unwrap());
                    }
                }
                Err(e) => prop_assert_eq!(e, CouponRefusal::NoEligibleLine),
            }
        }
    }
}
