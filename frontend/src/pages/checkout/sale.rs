//! The sale on the till as plain data: the basket and its selected line, the coupon
//! applied and where its check stands, a payment being added, what is still due.
//!
//! Why it exists: every rule of the till screen is decided here, without signals, so the
//! host tests check it without a browser; the components of this folder keep these values
//! in signals and only call what is here. How an unconfirmed sale is validated is the
//! other half, in [`super::submission`].

use std::collections::BTreeSet;
use std::str::FromStr;

use crm_api_types::{PaymentRequest, Problem, Product, QuoteResponse, SaleLineRequest};
use crm_domain::codes;
use crm_domain::coupon::normalize_code;
use crm_domain::money::Money;
use crm_domain::sale::{
    price_sale, settle, CouponDiscount, Payment, PaymentMethod, SaleLine, SaleTotals,
};
use rust_decimal::Decimal;

use crate::api::ApiError;
use crate::components::Msg;
use crate::format::parse_amount;

/// One basket line.
#[derive(Clone, Debug, PartialEq)]
pub struct BasketLine {
    /// The product, as the catalogue returned it.
    pub product: Product,
    /// Units.
    pub quantity: u32,
}

/// The basket, and the line the keyboard acts on (`+`, `-`, `Delete`).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Basket {
    /// The lines, in the order they were scanned.
    pub lines: Vec<BasketLine>,
    /// The product id of the selected line.
    pub selected: Option<i64>,
}

impl Basket {
    /// A basket of these lines, nothing selected (a sale put back on screen).
    pub fn of(lines: Vec<BasketLine>) -> Basket {
        Basket {
            lines,
            selected: None,
        }
    }

    /// Whether there is nothing to sell.
    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }

    /// One more unit of `product` (a new line for a new product), selected. A product
    /// taken off the till is refused, with the message to show.
    pub fn add(&mut self, product: Product) -> Result<(), Msg> {
        if !product.active {
            return Err(Msg::KeyWith("pos.product_inactive", product.name));
        }
        let id = product.id;
        if let Some(line) = self.lines.iter_mut().find(|l| l.product.id == id) {
            line.quantity = line.quantity.saturating_add(1);
        } else {
            self.lines.push(BasketLine {
                product,
                quantity: 1,
            });
        }
        self.selected = Some(id);
        Ok(())
    }

    /// Changes the quantity of product `id` by `delta`, never below one; its line is
    /// selected.
    pub fn change_quantity(&mut self, id: i64, delta: i32) {
        if let Some(line) = self.lines.iter_mut().find(|l| l.product.id == id) {
            let next = i64::from(line.quantity) + i64::from(delta);
            line.quantity = u32::try_from(next.max(1)).unwrap_or(1);
        }
        self.selected = Some(id);
    }

    /// Removes the line of product `id`: the next line is selected, or the last one.
    pub fn remove(&mut self, id: i64) {
        let mut next = None;
        if let Some(i) = self.lines.iter().position(|l| l.product.id == id) {
            self.lines.remove(i);
            next = self
                .lines
                .get(i)
                .or_else(|| self.lines.last())
                .map(|l| l.product.id);
        }
        self.selected = next;
    }

    /// Moves the selection up (`step < 0`) or down the basket, staying on its ends;
    /// from no selection, it starts at the last line.
    pub fn move_selection(&mut self, step: i32) {
        let ids: Vec<i64> = self.lines.iter().map(|l| l.product.id).collect();
        let Some(last) = ids.len().checked_sub(1) else {
            return;
        };
        let current = self
            .selected
            .and_then(|id| ids.iter().position(|&i| i == id))
            .unwrap_or(last);
        let next = if step < 0 {
            current.saturating_sub(1)
        } else {
            (current + 1).min(last)
        };
        self.selected = ids.get(next).copied();
    }

    /// The product id of the line with this barcode (a second scan adds a unit without
    /// asking the server).
    pub fn line_with_barcode(&self, barcode: &str) -> Option<i64> {
        self.lines
            .iter()
            .find(|l| l.product.barcode.as_deref() == Some(barcode))
            .map(|l| l.product.id)
    }

    /// (product id, quantity) of each line: what the server is sent.
    pub fn quantities(&self) -> Vec<(i64, u32)> {
        self.lines
            .iter()
            .map(|l| (l.product.id, l.quantity))
            .collect()
    }

    /// Units in the basket (the count next to its title).
    pub fn units(&self) -> u64 {
        self.lines.iter().map(|l| u64::from(l.quantity)).sum()
    }
}

/// The lines of a checkout or quote request.
pub fn line_requests(lines: &[(i64, u32)]) -> Vec<SaleLineRequest> {
    lines
        .iter()
        .map(|&(id, quantity)| SaleLineRequest {
            product_id: Some(id),
            barcode: None,
            quantity: i64::from(quantity),
        })
        .collect()
}

/// A coupon the cashier applied, and where its check stands.
#[derive(Clone, Debug, PartialEq)]
pub struct AppliedCoupon {
    /// The code, normalised as the server does ([`normalize_code`]).
    code: String,
    /// Not checked yet since the cashier applied it: a refusal the basket cannot fix then
    /// takes it off again, with the reason under the field.
    first: bool,
    /// The last answer and the basket it was for.
    check: Option<CouponCheck>,
}

/// One answer about an applied coupon.
#[derive(Clone, Debug, PartialEq)]
struct CouponCheck {
    /// The code, customer and basket it was given for (see [`check_key`]).
    key: String,
    /// The quote, or why the coupon is refused.
    outcome: Result<QuoteResponse, Msg>,
}

/// What the coupon chip shows.
#[derive(Clone, Debug, PartialEq)]
pub enum CouponStanding {
    /// The basket is empty: it is checked with the first product.
    Waiting,
    /// A check of the current basket is under way.
    Checking,
    /// It applies: the quote for the current basket.
    Valid(QuoteResponse),
    /// It does not apply to the current basket (not sent with the sale).
    Refused(Msg),
}

impl CouponStanding {
    /// The chip's `data-state`.
    pub fn name(&self) -> &'static str {
        match self {
            CouponStanding::Waiting => "waiting",
            CouponStanding::Checking => "checking",
            CouponStanding::Valid(_) => "valid",
            CouponStanding::Refused(_) => "refused",
        }
    }
}

impl AppliedCoupon {
    /// The coupon a cashier typed or picked; `None` when the text holds no code.
    pub fn typed(text: &str) -> Option<AppliedCoupon> {
        let code = normalize_code(text);
        (!code.is_empty()).then_some(AppliedCoupon {
            code,
            first: true,
            check: None,
        })
    }

    /// The coupon of a sale put back on screen: it was accepted once, so a refusal no
    /// longer takes it off.
    pub fn restored(code: String) -> AppliedCoupon {
        AppliedCoupon {
            code,
            first: false,
            check: None,
        }
    }

    /// The normalised code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Whether the last answer is about the basket of `key`.
    pub fn checked_for(&self, key: &str) -> bool {
        self.check.as_ref().is_some_and(|check| check.key == key)
    }

    /// Where it stands for the basket of `key`.
    pub fn standing(&self, key: &str, basket_empty: bool) -> CouponStanding {
        match &self.check {
            _ if basket_empty => CouponStanding::Waiting,
            Some(check) if check.key == key => match &check.outcome {
                Ok(quote) => CouponStanding::Valid(quote.clone()),
                Err(msg) => CouponStanding::Refused(msg.clone()),
            },
            _ => CouponStanding::Checking,
        }
    }

    /// The checkout was refused because of the coupon (a cap reached meanwhile…): it
    /// stays on the sale, refused for this basket.
    pub fn refused_at_checkout(&mut self, key: String, msg: Msg) {
        self.first = false;
        self.check = Some(CouponCheck {
            key,
            outcome: Err(msg),
        });
    }
}

/// What a coupon check depends on: the code, the customer and the basket.
pub fn check_key(code: &str, customer_id: Option<i64>, lines: &[(i64, u32)]) -> String {
    let lines: Vec<String> = lines.iter().map(|(id, q)| format!("{id}x{q}")).collect();
    format!("{code}|{customer_id:?}|{}", lines.join(","))
}

/// The server's answer to a quote, as the chip shows it.
pub fn quote_outcome(answer: Result<QuoteResponse, ApiError>) -> Result<QuoteResponse, Msg> {
    match answer {
        Ok(quote) if quote.valid => Ok(quote),
        Ok(quote) => Err(refusal(&quote)),
        Err(e) => Err(Msg::Api(e)),
    }
}

/// Records the answer about `code` for the basket of `key` on the applied coupon (none
/// if another code was applied meanwhile). Returns why the coupon came off: its first
/// check was refused for a reason the basket cannot fix.
pub fn take_answer(
    applied: &mut Option<AppliedCoupon>,
    code: &str,
    key: String,
    outcome: Result<QuoteResponse, Msg>,
) -> Option<Msg> {
    let coupon = applied.as_mut().filter(|c| c.code == code)?;
    match outcome {
        Err(msg) if coupon.first && !basket_may_fix(&msg) => {
            *applied = None;
            Some(msg)
        }
        outcome => {
            coupon.first = false;
            coupon.check = Some(CouponCheck { key, outcome });
            None
        }
    }
}

/// A refused quote as problem details, so it shows like any API refusal: the server's
/// French reason, or the English text of its code.
fn refusal(quote: &QuoteResponse) -> Msg {
    let code = quote
        .reason_code
        .clone()
        .unwrap_or_else(|| "coupon.refused".to_string());
    Msg::Api(ApiError::Problem(Box::new(Problem {
        kind: format!("urn:crm:problem:{code}"),
        title: String::new(),
        status: 409,
        code,
        detail: quote.message.clone().unwrap_or_default(),
        errors: Vec::new(),
    })))
}

/// Refusals a bigger or different basket may lift: the coupon stays on the sale.
fn basket_may_fix(msg: &Msg) -> bool {
    match msg {
        Msg::Api(e) => matches!(
            e.code(),
            Some(codes::COUPON_BASKET_BELOW_MINIMUM | codes::COUPON_NO_ELIGIBLE_LINE)
        ),
        _ => false,
    }
}

/// Prices the basket with the shared domain rules (the server does the same); the
/// coupon's discount (amount, eligible line indexes) is the server's quote for this very
/// basket.
pub fn price(
    lines: &[BasketLine],
    loyalty_percent: Decimal,
    coupon: Option<(i64, Vec<usize>)>,
) -> Option<SaleTotals> {
    let sale_lines: Vec<SaleLine> = lines
        .iter()
        .map(|l| SaleLine {
            product_id: l.product.id,
            unit_price: Money::fcfa(l.product.price),
            vat_rate_bp: l.product.vat_rate_bp,
            category: l.product.category,
            quantity: l.quantity,
        })
        .collect();
    // The quote names the lines the coupon applies to, so the VAT shown here is the
    // receipt's; lines outside the basket (a stale quote) are dropped.
    let coupon = coupon
        .filter(|(amount, _)| *amount > 0)
        .map(|(amount, eligible)| CouponDiscount {
            amount: Money::fcfa(amount),
            eligible_lines: eligible
                .into_iter()
                .filter(|&i| i < sale_lines.len())
                .collect::<BTreeSet<usize>>(),
        })
        .filter(|c| !c.eligible_lines.is_empty());
    price_sale(&sale_lines, loyalty_percent, coupon.as_ref()).ok()
}

/// The loyalty percentage the API sends as a decimal string (`"5"`); 0 if unreadable.
pub fn loyalty_percent(text: &str) -> Decimal {
    Decimal::from_str(text.trim()).unwrap_or(Decimal::ZERO)
}

/// Where the payments stand against the total.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Due {
    /// Paid so far, FCFA.
    pub paid: i64,
    /// Still to pay (never negative).
    pub remaining: i64,
    /// To hand back: what cash paid beyond the total.
    pub change: i64,
    /// Whether the payments settle the total under the domain's rules (only cash may
    /// exceed it).
    pub settled: bool,
}

impl Due {
    /// The payments against `total`.
    pub fn of(total: i64, payments: &[PaymentRequest]) -> Due {
        let paid = payments.iter().map(|p| p.amount).sum::<i64>();
        let change = if total > 0 && paid >= total {
            paid - total
        } else {
            0
        };
        Due {
            paid,
            remaining: (total - paid).max(0),
            change,
            settled: total > 0 && settle(Money::fcfa(total), &domain_payments(payments)).is_ok(),
        }
    }
}

/// The method of a payment of the till's request: one of the form's, or one read back
/// from a sale kept in `localStorage`.
pub fn method_of(payment: &PaymentRequest) -> Option<PaymentMethod> {
    PaymentMethod::from_str(&payment.method).ok()
}

fn domain_payments(payments: &[PaymentRequest]) -> Vec<Payment> {
    payments
        .iter()
        .filter_map(|p| {
            Some(Payment {
                method: method_of(p)?,
                amount: Money::fcfa(p.amount),
                reference: p.reference.clone(),
            })
        })
        .collect()
}

/// The payment typed in the payment form, or the string-table key of why it is refused:
/// an amount that is not a whole positive number of francs, or a payment other than cash
/// beyond what remains (only cash gives change). The reference goes with non-cash
/// payments only.
pub fn typed_payment(
    method: PaymentMethod,
    amount: &str,
    reference: &str,
    remaining: i64,
) -> Result<PaymentRequest, &'static str> {
    let amount = parse_amount(amount)
        .filter(|v| *v > 0)
        .ok_or("pos.amount_invalid")?;
    let is_cash = method.is_cash();
    if !is_cash && amount > remaining {
        return Err("pos.non_cash_over");
    }
    let reference = reference.trim();
    Ok(PaymentRequest {
        method: method.as_str().to_owned(),
        amount,
        reference: (!is_cash && !reference.is_empty()).then(|| reference.to_string()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crm_domain::sale::Category;

    fn product(id: i64, price: i64) -> Product {
        Product {
            id,
            sku: format!("SKU-{id}"),
            barcode: crm_domain::barcode::ean13(&format!("{:012}", 200_000_000_000 + id)),
            name: format!("Produit {id}"),
            category: Category::Alimentaire,
            price,
            cost: 0,
            vat_rate_bp: 1800,
            active: true,
        }
    }

    fn basket(ids: &[i64]) -> Basket {
        let mut b = Basket::default();
        for &id in ids {
            b.add(product(id, 1000)).unwrap();
        }
        b
    }

    fn quote(discount: i64, eligible: Vec<usize>) -> QuoteResponse {
        QuoteResponse {
            valid: true,
            reason_code: None,
            message: None,
            code: "NOEL2026".into(),
            description: None,
            discount,
            eligible_lines: eligible,
            subtotal: 0,
            loyalty_discount: 0,
            total: 0,
        }
    }

    fn refused(code: &str) -> Msg {
        quote_outcome(Ok(QuoteResponse {
            valid: false,
            reason_code: Some(code.into()),
            message: Some("Refusé".into()),
            ..quote(0, Vec::new())
        }))
        .unwrap_err()
    }

    #[test]
    fn a_second_scan_adds_a_unit_and_selects_the_line() {
        let b = basket(&[1, 2, 1]);
        assert_eq!(b.quantities(), vec![(1, 2), (2, 1)]);
        assert_eq!(b.selected, Some(1));
        assert_eq!(b.units(), 3);
        let code = product(2, 0).barcode.unwrap();
        assert_eq!(b.line_with_barcode(&code), Some(2));
        assert_eq!(b.line_with_barcode("4006381333931"), None);
    }

    #[test]
    fn a_product_off_the_till_is_refused() {
        let mut b = Basket::default();
        let off = Product {
            active: false,
            ..product(7, 500)
        };
        assert_eq!(
            b.add(off),
            Err(Msg::KeyWith("pos.product_inactive", "Produit 7".into()))
        );
        assert!(b.is_empty() && b.selected.is_none());
    }

    #[test]
    fn quantities_never_drop_below_one() {
        let mut b = basket(&[1, 2]);
        b.change_quantity(1, -1);
        assert_eq!(b.quantities(), vec![(1, 1), (2, 1)], "still one");
        assert_eq!(b.selected, Some(1));
        b.change_quantity(1, 4);
        assert_eq!(b.quantities(), vec![(1, 5), (2, 1)]);
    }

    #[test]
    fn removing_a_line_selects_the_next_one_or_the_last() {
        let mut b = basket(&[1, 2, 3]);
        b.remove(2);
        assert_eq!(b.selected, Some(3), "the next line");
        b.remove(3);
        assert_eq!(b.selected, Some(1), "no next line: the last");
        b.remove(9);
        assert_eq!(b.selected, None, "an unknown line selects nothing");
        b.remove(1);
        assert!(b.is_empty());
        assert_eq!(b.selected, None);
    }

    #[test]
    fn the_selection_moves_and_stays_on_the_ends() {
        let mut b = Basket::default();
        b.move_selection(1);
        assert_eq!(b.selected, None, "empty basket: nothing to select");
        let mut b = Basket::of(basket(&[1, 2, 3]).lines);
        b.move_selection(-1);
        assert_eq!(b.selected, Some(2), "from nothing: up from the last line");
        b.move_selection(-1);
        b.move_selection(-1);
        assert_eq!(b.selected, Some(1), "stays on the first");
        b.move_selection(1);
        b.move_selection(1);
        b.move_selection(1);
        assert_eq!(b.selected, Some(3), "stays on the last");
    }

    #[test]
    fn a_code_is_applied_as_the_server_reads_it() {
        let c = AppliedCoupon::typed(" nOel 2026 ").unwrap();
        assert_eq!(c.code(), "NOEL2026");
        assert_eq!(AppliedCoupon::typed("   "), None);
    }

    #[test]
    fn the_chip_follows_the_basket_the_answer_was_for() {
        let mut applied = AppliedCoupon::typed("NOEL2026");
        let first = check_key("NOEL2026", Some(4), &[(1, 1)]);
        let c = applied.as_ref().unwrap();
        assert_eq!(c.standing(&first, true), CouponStanding::Waiting);
        assert_eq!(c.standing(&first, false), CouponStanding::Checking);
        let outcome = quote_outcome(Ok(quote(500, vec![0])));
        assert_eq!(
            take_answer(&mut applied, "NOEL2026", first.clone(), outcome),
            None
        );
        let c = applied.as_ref().unwrap();
        assert!(c.checked_for(&first));
        assert_eq!(
            c.standing(&first, false),
            CouponStanding::Valid(quote(500, vec![0]))
        );
        let bigger = check_key("NOEL2026", Some(4), &[(1, 2)]);
        assert_ne!(bigger, first, "another quantity, another check");
        assert_ne!(
            check_key("NOEL2026", None, &[(1, 1)]),
            first,
            "another customer"
        );
        assert_eq!(c.standing(&bigger, false), CouponStanding::Checking);
    }

    #[test]
    fn a_first_refusal_the_basket_cannot_fix_takes_the_coupon_off() {
        let key = check_key("VIP", None, &[(1, 1)]);
        let mut applied = AppliedCoupon::typed("vip");
        let why = take_answer(&mut applied, "VIP", key, Err(refused("coupon.expired")));
        assert_eq!(applied, None);
        assert_eq!(
            why.and_then(|m| match m {
                Msg::Api(e) => e.code().map(str::to_owned),
                _ => None,
            })
            .as_deref(),
            Some("coupon.expired")
        );
    }

    #[test]
    fn a_refusal_a_bigger_basket_may_lift_keeps_the_coupon() {
        let key = check_key("VIP", None, &[(1, 1)]);
        let mut applied = AppliedCoupon::typed("VIP");
        let msg = refused("coupon.basket_below_minimum");
        assert_eq!(
            take_answer(&mut applied, "VIP", key.clone(), Err(msg.clone())),
            None
        );
        let c = applied.clone().unwrap();
        assert_eq!(c.standing(&key, false), CouponStanding::Refused(msg));
        // Accepted once: a later refusal of any kind leaves it on, refused.
        let other = check_key("VIP", None, &[(2, 1)]);
        let expired = refused("coupon.expired");
        assert_eq!(
            take_answer(&mut applied, "VIP", other.clone(), Err(expired.clone())),
            None
        );
        assert_eq!(
            applied.unwrap().standing(&other, false),
            CouponStanding::Refused(expired)
        );
    }

    #[test]
    fn an_answer_about_another_code_changes_nothing() {
        let mut applied = AppliedCoupon::typed("NEW");
        let before = applied.clone();
        let key = check_key("OLD", None, &[(1, 1)]);
        assert_eq!(
            take_answer(&mut applied, "OLD", key, Err(refused("coupon.expired"))),
            None
        );
        assert_eq!(applied, before);
    }

    #[test]
    fn a_restored_coupon_and_a_refused_checkout_keep_the_coupon() {
        let key = check_key("VIP", None, &[(1, 1)]);
        let mut applied = Some(AppliedCoupon::restored("VIP".into()));
        assert_eq!(
            take_answer(
                &mut applied,
                "VIP",
                key.clone(),
                Err(refused("coupon.expired"))
            ),
            None
        );
        let mut c = AppliedCoupon::typed("VIP").unwrap();
        let capped = refused("coupon.global_cap_reached");
        c.refused_at_checkout(key.clone(), capped.clone());
        assert_eq!(c.standing(&key, false), CouponStanding::Refused(capped));
    }

    #[test]
    fn totals_use_the_quote_only_for_lines_in_the_basket() {
        let b = basket(&[1, 2]);
        let plain = price(&b.lines, Decimal::ZERO, None).unwrap();
        assert_eq!(plain.total.francs(), 2000);
        let with = price(&b.lines, Decimal::ZERO, Some((500, vec![0]))).unwrap();
        assert_eq!(with.coupon_discount.francs(), 500);
        assert_eq!(with.total.francs(), 1500);
        let stale = price(&b.lines, Decimal::ZERO, Some((500, vec![5]))).unwrap();
        assert_eq!(stale, plain, "a quote for lines no longer there is ignored");
        let loyal = price(&b.lines, loyalty_percent(" 5 "), None).unwrap();
        assert_eq!(loyal.loyalty_discount.francs(), 100);
        assert_eq!(loyalty_percent("n/a"), Decimal::ZERO);
    }

    #[test]
    fn only_cash_gives_change() {
        let cash = typed_payment(PaymentMethod::Especes, "5 000", "ignored", 3000).unwrap();
        assert_eq!((cash.amount, cash.reference.as_deref()), (5000, None));
        let due = Due::of(3000, &[cash]);
        assert_eq!(
            due,
            Due {
                paid: 5000,
                remaining: 0,
                change: 2000,
                settled: true
            }
        );
        assert_eq!(
            typed_payment(PaymentMethod::Carte, "5000", "", 3000).err(),
            Some("pos.non_cash_over")
        );
        let card = typed_payment(PaymentMethod::Carte, "3000", " T-42 ", 3000).unwrap();
        assert_eq!(card.reference.as_deref(), Some("T-42"));
        assert_eq!(
            typed_payment(PaymentMethod::Especes, "0", "", 3000).err(),
            Some("pos.amount_invalid")
        );
        assert_eq!(
            typed_payment(PaymentMethod::Especes, "12,5", "", 3000).err(),
            Some("pos.amount_invalid")
        );
        let part = Due::of(
            3000,
            &[typed_payment(PaymentMethod::Especes, "1000", "", 3000).unwrap()],
        );
        assert_eq!(
            part,
            Due {
                paid: 1000,
                remaining: 2000,
                change: 0,
                settled: false
            }
        );
        assert_eq!(
            Due::of(0, &[]),
            Due::default(),
            "an empty basket is never settled"
        );
    }
}
