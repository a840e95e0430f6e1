//! The right-hand side of the till: basket, live totals, payments, validation, receipt.
//!
//! Keyboard: `#barcode` takes scans (13 digits + Enter) and text searches (Enter, then
//! ↑/↓ and Enter in the result list, Escape closes it); with the field empty, `+`/`-`
//! change the selected line's quantity, `Delete` removes it, ↑/↓ select another line and
//! Enter goes to the payment amount. Enter in `#payment-amount` adds the payment; F9 or
//! Ctrl+Enter validates; on the receipt, Enter starts the next sale.
//!
//! Coupons: F2 goes to `#coupon-code` ("Code promo"), where Enter applies the code typed
//! (Enter on the empty field goes on to the payment, Escape back to the scan field); the
//! customer's own coupons are applied from the customer card (click or Alt+1…9, see
//! [`super::pos`]). An applied coupon is checked with `POST /coupons/quote` against the
//! basket and the customer, and again whenever either changes: the chip shows its
//! discount, or the French reason it is refused (a refused coupon is not sent).
//!
//! Validation follows [`submission`]: a sale whose answer is lost stays locked
//! under its key (kept in `localStorage` across a reload) until `GET /sales/by-key`
//! says whether it was recorded.

use std::collections::BTreeSet;
use std::str::FromStr;

use crm_api_types::{
    CreateSaleRequest, CustomerProfile, PaymentRequest, Problem, Product, QuoteRequest,
    QuoteResponse, Receipt, SaleLineRequest,
};
use crm_domain::money::Money;
use crm_domain::sale::{
    price_sale, settle, Category, CouponDiscount, Payment, PaymentMethod, SaleLine, SaleTotals,
};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use rust_decimal::Decimal;
use wasm_bindgen::JsCast;

use crate::api::{self, new_uuid, ApiError};
use crate::auth::{use_auth, Auth};
use crate::components::{print, Msg, ReceiptView};
use crate::format::{method_label, money, parse_amount, trim_decimal};
use crate::i18n::use_i18n;
mod submission;

use submission::{Attempt, KeyAnswer, SaleAnswer, Submission};

/// One basket line.
#[derive(Clone, Debug, PartialEq)]
pub struct BasketLine {
    /// The product, as the catalogue returned it.
    pub product: Product,
    /// Units.
    pub quantity: u32,
}

/// A coupon the cashier applied, and where its check stands.
#[derive(Clone, Debug, PartialEq)]
pub struct AppliedCoupon {
    /// The code, normalised (upper case, no spaces).
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
    /// The code, customer and basket it was given for (see [`basket_key`]).
    key: String,
    /// The quote, or why the coupon is refused.
    outcome: Result<QuoteResponse, Msg>,
}

/// What the coupon chip shows.
#[derive(Clone, Debug, PartialEq)]
enum CouponStanding {
    /// The basket is empty: it is checked with the first product.
    Waiting,
    /// A check of the current basket is under way.
    Checking,
    /// It applies: the quote for the current basket.
    Valid(QuoteResponse),
    /// It does not apply to the current basket (not sent with the sale).
    Refused(Msg),
}

/// The state of the current sale, shared with the customer side of the till.
#[derive(Clone, Copy)]
pub struct CheckoutState {
    lines: RwSignal<Vec<BasketLine>>,
    selected: RwSignal<Option<i64>>,
    payments: RwSignal<Vec<PaymentRequest>>,
    receipt: RwSignal<Option<Receipt>>,
    basket_error: RwSignal<Option<Msg>>,
    payment_error: RwSignal<Option<Msg>>,
    results: RwSignal<Option<Vec<Product>>>,
    active: RwSignal<usize>,
    /// Where the validation stands (and the `Idempotency-Key` it uses).
    submission: RwSignal<Submission>,
    /// The payment method being entered: cash at the start of every sale.
    method: RwSignal<String>,
    /// A barcode scanned elsewhere on the till (into the phone field), to add.
    scanned: RwSignal<Option<String>>,
    /// The coupon applied to this sale, if any.
    coupon: RwSignal<Option<AppliedCoupon>>,
    /// Why the code just typed or picked was not applied.
    coupon_error: RwSignal<Option<Msg>>,
    /// Numbers the quotes, so that only the latest answer counts.
    coupon_seq: StoredValue<u64>,
}

impl CheckoutState {
    /// An empty basket.
    pub fn new() -> CheckoutState {
        CheckoutState {
            lines: RwSignal::new(Vec::new()),
            selected: RwSignal::new(None),
            payments: RwSignal::new(Vec::new()),
            receipt: RwSignal::new(None),
            basket_error: RwSignal::new(None),
            payment_error: RwSignal::new(None),
            results: RwSignal::new(None),
            active: RwSignal::new(0),
            submission: RwSignal::new(Submission::default()),
            method: RwSignal::new(PaymentMethod::Especes.as_str().to_string()),
            scanned: RwSignal::new(None),
            coupon: RwSignal::new(None),
            coupon_error: RwSignal::new(None),
            coupon_seq: StoredValue::new(0),
        }
    }

    /// Applies a coupon code (typed, or one of the customer's): it is checked against the
    /// basket at once, and again whenever the basket or the customer changes.
    pub fn apply_coupon(self, typed: &str) {
        let code = normalise_code(typed);
        if code.is_empty() || self.refuse_if_locked() {
            return;
        }
        self.coupon_error.set(None);
        if self
            .coupon
            .with_untracked(|c| c.as_ref().is_some_and(|c| c.code == code))
        {
            return;
        }
        self.coupon.set(Some(AppliedCoupon {
            code,
            first: true,
            check: None,
        }));
    }

    /// Adds the product with this barcode, scanned outside the scan field (a receipt on
    /// screen: to the next sale).
    pub fn scan(self, barcode: String) {
        if self.receipt_shown_untracked() {
            self.reset();
        }
        self.scanned.set(Some(barcode));
    }

    /// Takes the applied coupon off the sale.
    pub fn remove_coupon(self) {
        if self.refuse_if_locked() {
            return;
        }
        self.coupon.set(None);
        self.coupon_error.set(None);
    }

    /// The code of the applied coupon (reactive).
    pub fn applied_code(self) -> Option<String> {
        self.coupon.with(|c| c.as_ref().map(|c| c.code.clone()))
    }

    /// Whether a sale is being validated or awaits confirmation: the basket and the
    /// customer must not change.
    pub fn locked_untracked(self) -> bool {
        self.submission.with_untracked(Submission::locked) && !self.receipt_shown_untracked()
    }

    /// The receipt of the sale just recorded (reactive).
    pub fn receipt(self) -> Option<Receipt> {
        self.receipt.get()
    }

    /// Says why nothing changes while the sale awaits confirmation; `true` then.
    fn refuse_if_locked(self) -> bool {
        let locked = self.locked_untracked();
        if locked {
            self.basket_error.set(Some(Msg::Key("pos.locked")));
        }
        locked
    }

    /// Whether the receipt of a completed sale is on screen.
    pub fn receipt_shown_untracked(self) -> bool {
        self.receipt.with_untracked(Option::is_some)
    }

    /// Clears basket, payments and receipt for the next customer.
    pub fn reset(self) {
        self.lines.set(Vec::new());
        self.selected.set(None);
        self.payments.set(Vec::new());
        self.receipt.set(None);
        self.basket_error.set(None);
        self.payment_error.set(None);
        self.results.set(None);
        self.active.set(0);
        self.submission.set(Submission::default());
        self.method.set(PaymentMethod::Especes.as_str().to_string());
        self.coupon.set(None);
        self.coupon_error.set(None);
    }

    fn add_product(self, product: Product) {
        if self.refuse_if_locked() {
            return;
        }
        if !product.active {
            self.basket_error
                .set(Some(Msg::KeyWith("pos.product_inactive", product.name)));
            return;
        }
        let id = product.id;
        self.lines.update(|lines| {
            if let Some(line) = lines.iter_mut().find(|l| l.product.id == id) {
                line.quantity = line.quantity.saturating_add(1);
            } else {
                lines.push(BasketLine {
                    product,
                    quantity: 1,
                });
            }
        });
        self.selected.set(Some(id));
        self.basket_error.set(None);
    }

    fn change_quantity(self, id: i64, delta: i32) {
        if self.refuse_if_locked() {
            return;
        }
        self.lines.update(|lines| {
            if let Some(line) = lines.iter_mut().find(|l| l.product.id == id) {
                let next = i64::from(line.quantity) + i64::from(delta);
                line.quantity = u32::try_from(next.max(1)).unwrap_or(1);
            }
        });
        self.selected.set(Some(id));
    }

    fn remove(self, id: i64) {
        if self.refuse_if_locked() {
            return;
        }
        let mut next = None;
        self.lines.update(|lines| {
            if let Some(i) = lines.iter().position(|l| l.product.id == id) {
                lines.remove(i);
                next = lines.get(i).or_else(|| lines.last()).map(|l| l.product.id);
            }
        });
        self.selected.set(next);
    }

    /// Moves the selection up (`-1`) or down (`+1`) the basket.
    fn move_selection(self, step: i32) {
        let ids: Vec<i64> = self
            .lines
            .with_untracked(|ls| ls.iter().map(|l| l.product.id).collect());
        if ids.is_empty() {
            return;
        }
        let current = self
            .selected
            .get_untracked()
            .and_then(|id| ids.iter().position(|&i| i == id))
            .unwrap_or(ids.len() - 1);
        let next = if step < 0 {
            current.saturating_sub(1)
        } else {
            (current + 1).min(ids.len() - 1)
        };
        self.selected.set(Some(ids[next]));
    }
}

/// `" nOel 2026 "` → `NOEL2026` (the server ignores case and spaces the same way).
fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

/// What a coupon check depends on: the code, the customer and the basket.
fn basket_key(code: &str, customer_id: Option<i64>, lines: &[(i64, u32)]) -> String {
    let lines: Vec<String> = lines.iter().map(|(id, q)| format!("{id}x{q}")).collect();
    format!("{code}|{customer_id:?}|{}", lines.join(","))
}

fn line_requests(lines: &[(i64, u32)]) -> Vec<SaleLineRequest> {
    lines
        .iter()
        .map(|&(id, quantity)| SaleLineRequest {
            product_id: Some(id),
            barcode: None,
            quantity: i64::from(quantity),
        })
        .collect()
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
            Some("coupon.basket_below_minimum" | "coupon.no_eligible_line")
        ),
        _ => false,
    }
}

/// Prices the basket with the shared domain rules (the server does the same); the
/// coupon's discount is the server's quote for this very basket.
fn price(
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
            category: Category::from_str(&l.product.category).unwrap_or(Category::Alimentaire),
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

fn domain_payments(payments: &[PaymentRequest]) -> Vec<Payment> {
    payments
        .iter()
        .filter_map(|p| {
            Some(Payment {
                method: PaymentMethod::from_str(&p.method).ok()?,
                amount: Money::fcfa(p.amount),
                reference: p.reference.clone(),
            })
        })
        .collect()
}

/// How long the typing pauses before the product search runs.
const SEARCH_PAUSE_MS: u64 = 200;

fn is_ean13(text: &str) -> bool {
    text.len() == 13 && text.chars().all(|c| c.is_ascii_digit())
}

/// An answer that does not say whether the sale was recorded: none at all, or a server
/// failure (which may have come after the commit).
fn answer_lost(error: &ApiError) -> bool {
    match error {
        ApiError::Network(_) => true,
        ApiError::Http(status) => *status >= 500,
        ApiError::Problem(p) => p.status >= 500,
        ApiError::SessionExpired => false,
    }
}

/// Puts a sale left unconfirmed back on screen, locked under its key.
fn restore(state: CheckoutState, stored: &pending::PendingSale) {
    state.lines.set(
        stored
            .lines
            .iter()
            .cloned()
            .map(|(product, quantity)| BasketLine { product, quantity })
            .collect(),
    );
    state.payments.set(stored.request.payments.clone());
    state.coupon.set(
        stored
            .request
            .coupon_code
            .clone()
            .map(|code| AppliedCoupon {
                code,
                first: false,
                check: None,
            }),
    );
    let body = serde_json::to_string(&stored.request).unwrap_or_default();
    state.submission.set(Submission::Unconfirmed(Attempt {
        key: stored.key.clone(),
        body,
    }));
}

/// The customer of a sale left unconfirmed by a reload, for the till to show again.
pub fn pending_customer(auth: Auth) -> Option<CustomerProfile> {
    pending::load(auth).and_then(|p| p.customer)
}

/// The sale awaiting confirmation, kept in `localStorage` until the server says what
/// became of it: a reload or a closed tab must not lose its key.
mod pending {
    use crm_api_types::{CreateSaleRequest, CustomerProfile, Product};
    use gloo_storage::{LocalStorage, Storage};
    use serde::{Deserialize, Serialize};

    use crate::auth::Auth;

    const STORAGE_KEY: &str = "crm.till.pending_sale";

    /// What the till needs to show the sale again and ask about it.
    #[derive(Clone, Debug, Serialize, Deserialize)]
    pub struct PendingSale {
        /// Who sent it: keys are the seller's, only they can ask about it.
        pub cashier: i64,
        /// Its `Idempotency-Key`.
        pub key: String,
        /// The request as sent.
        pub request: CreateSaleRequest,
        /// The basket as shown (products and quantities).
        pub lines: Vec<(Product, u32)>,
        /// The identified customer, if any.
        pub customer: Option<CustomerProfile>,
    }

    pub fn save(sale: &PendingSale) {
        let _ = LocalStorage::set(STORAGE_KEY, sale);
    }

    /// The pending sale of the signed-in seller (another's stays stored for them).
    pub fn load(auth: Auth) -> Option<PendingSale> {
        let seller = auth.session_untracked()?.user.id;
        LocalStorage::get::<PendingSale>(STORAGE_KEY)
            .ok()
            .filter(|p| p.cashier == seller)
    }

    pub fn forget() {
        LocalStorage::delete(STORAGE_KEY);
    }
}

/// Scrolls the element matching `selector` into view, if it is outside its list.
fn scroll_to(selector: &str) {
    if let Ok(Some(el)) = document().query_selector(selector) {
        let options = web_sys::ScrollIntoViewOptions::new();
        options.set_block(web_sys::ScrollLogicalPosition::Nearest);
        el.scroll_into_view_with_scroll_into_view_options(&options);
    }
}

/// The basket, payments and receipt.
#[component]
pub fn Checkout(
    state: CheckoutState,
    /// The identified customer (absent: anonymous sale).
    customer: Signal<Option<CustomerProfile>>,
    /// The scan field, so the customer side can hand the focus over.
    barcode_ref: NodeRef<html::Input>,
    /// "Nouvelle vente": the page clears the customer too.
    on_new_sale: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let CheckoutState {
        lines,
        selected,
        payments,
        receipt,
        basket_error,
        payment_error,
        results,
        active,
        submission,
        method,
        coupon,
        coupon_error,
        coupon_seq,
        scanned,
    } = state;

    let query = RwSignal::new(String::new());
    let searching = RwSignal::new(false);
    let amount = RwSignal::new(String::new());
    let reference = RwSignal::new(String::new());
    let amount_ref = NodeRef::<html::Input>::new();
    let coupon_text = RwSignal::new(String::new());
    let coupon_ref = NodeRef::<html::Input>::new();
    let validate_ref = NodeRef::<html::Button>::new();
    let new_sale_ref = NodeRef::<html::Button>::new();

    let customer_id = Signal::derive(move || customer.with(|c| c.as_ref().map(|p| p.customer.id)));
    // Their loyalty discount, decimal string (`"5"`); `"0"` when anonymous.
    let loyalty_percent = Signal::derive(move || {
        customer.with(|c| {
            c.as_ref()
                .map_or_else(|| "0".to_string(), |p| p.loyalty.discount_percent.clone())
        })
    });
    let busy = Memo::new(move |_| submission.with(Submission::busy));
    let locked = Memo::new(move |_| submission.with(Submission::locked));
    let unconfirmed = Memo::new(move |_| {
        submission.with(|s| matches!(s, Submission::Unconfirmed(_) | Submission::Checking(_)))
    });

    let percent = Memo::new(move |_| {
        loyalty_percent.with(|p| Decimal::from_str(p.trim()).unwrap_or(Decimal::ZERO))
    });
    // The coupon: what it is checked against, and where the check stands.
    let basket_ids = Memo::new(move |_| {
        lines.with(|ls| {
            ls.iter()
                .map(|l| (l.product.id, l.quantity))
                .collect::<Vec<_>>()
        })
    });
    let applied_code = Memo::new(move |_| coupon.with(|c| c.as_ref().map(|c| c.code.clone())));
    let coupon_key = Memo::new(move |_| {
        applied_code
            .get()
            .map(|code| basket_key(&code, customer_id.get(), &basket_ids.get()))
    });
    let standing = Memo::new(move |_| {
        let key = coupon_key.get()?;
        let empty = basket_ids.with(Vec::is_empty);
        coupon.with(|c| {
            let c = c.as_ref()?;
            let standing = match &c.check {
                _ if empty => CouponStanding::Waiting,
                Some(check) if check.key == key => match &check.outcome {
                    Ok(quote) => CouponStanding::Valid(quote.clone()),
                    Err(msg) => CouponStanding::Refused(msg.clone()),
                },
                _ => CouponStanding::Checking,
            };
            Some((c.code.clone(), standing))
        })
    });
    let coupon_discount = Memo::new(move |_| {
        standing.with(|s| match s {
            Some((_, CouponStanding::Valid(q))) => Some((q.discount, q.eligible_lines.clone())),
            _ => None,
        })
    });
    let coupon_checking =
        Memo::new(move |_| standing.with(|s| matches!(s, Some((_, CouponStanding::Checking)))));

    // Check the applied coupon against the current basket and customer.
    Effect::new(move |_| {
        // A sale awaiting confirmation is not re-checked (nor its coupon dropped).
        if locked.get() {
            return;
        }
        let Some(key) = coupon_key.get() else {
            return;
        };
        let Some(code) = applied_code.get_untracked() else {
            return;
        };
        let basket = basket_ids.get_untracked();
        if basket.is_empty() {
            return;
        }
        let known = coupon.with_untracked(|c| {
            c.as_ref()
                .and_then(|c| c.check.as_ref())
                .is_some_and(|check| check.key == key)
        });
        if known {
            return;
        }
        let n = coupon_seq.get_value() + 1;
        coupon_seq.set_value(n);
        let request = QuoteRequest {
            code: code.clone(),
            customer_id: customer_id.get_untracked(),
            lines: line_requests(&basket),
        };
        spawn_local(async move {
            let result = api::quote_coupon(auth, &request).await;
            if coupon_seq.try_get_value() != Some(n) {
                return; // a newer check is on its way
            }
            let outcome = match result {
                Ok(quote) if quote.valid => Ok(quote),
                Ok(quote) => Err(refusal(&quote)),
                Err(e) => Err(Msg::Api(e)),
            };
            let mut dropped = None;
            coupon.update(|applied| {
                let Some(c) = applied.as_mut().filter(|c| c.code == code) else {
                    return;
                };
                match &outcome {
                    Err(msg) if c.first && !basket_may_fix(msg) => {
                        dropped = Some(msg.clone());
                        *applied = None;
                    }
                    _ => {
                        c.first = false;
                        c.check = Some(CouponCheck { key, outcome });
                    }
                }
            });
            if let Some(msg) = dropped {
                coupon_error.set(Some(msg));
            }
        });
    });

    let totals = Memo::new(move |_| {
        let pct = percent.get();
        let discount = coupon_discount.get();
        lines.with(|ls| price(ls, pct, discount))
    });
    let total = Memo::new(move |_| totals.with(|t| t.as_ref().map_or(0, |t| t.total.francs())));
    let paid = Memo::new(move |_| payments.with(|ps| ps.iter().map(|p| p.amount).sum::<i64>()));
    let remaining = Memo::new(move |_| (total.get() - paid.get()).max(0));
    let change = Memo::new(move |_| {
        if total.get() > 0 && paid.get() >= total.get() {
            paid.get() - total.get()
        } else {
            0
        }
    });
    let settled = Memo::new(move |_| {
        let total = total.get();
        total > 0 && payments.with(|ps| settle(Money::fcfa(total), &domain_payments(ps)).is_ok())
    });
    let can_validate = move || {
        let ready =
            settled.get() && !busy.get() && !coupon_checking.get() && lines.with(|l| !l.is_empty());
        ready || submission.with(|s| matches!(s, Submission::Unconfirmed(_)))
    };

    // The amount field shows what remains due.
    Effect::new(move |_| {
        let due = remaining.get();
        amount.set(if due > 0 {
            due.to_string()
        } else {
            String::new()
        });
    });

    // Keep the selected line and the active result visible.
    Effect::new(move |_| {
        if selected.get().is_some() {
            scroll_to(".basket-line.selected");
        }
    });
    Effect::new(move |_| {
        active.track();
        if results.with(Option::is_some) {
            scroll_to(".product-result.active");
        }
    });

    // The receipt's "Nouvelle vente" takes the focus.
    Effect::new(move |_| {
        if let Some(button) = new_sale_ref.get() {
            let _ = button.focus();
        }
    });

    let focus_barcode = move || {
        if let Some(input) = barcode_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    // After the DOM has caught up (prefilled amount, button enabled).
    let focus_amount = move || {
        request_animation_frame(move || {
            if let Some(input) = amount_ref.get_untracked() {
                let _ = input.focus();
                input.select();
            }
        });
    };
    let focus_coupon = move || {
        if let Some(input) = coupon_ref.get_untracked() {
            let _ = input.focus();
            input.select();
        }
    };
    let focus_validate = move || {
        request_animation_frame(move || {
            if let Some(button) = validate_ref.get_untracked() {
                let _ = button.focus();
            }
        });
    };

    let pick = move |product: Product| {
        results.set(None);
        query.set(String::new());
        state.add_product(product);
        focus_barcode();
    };

    let lookup_barcode = move |code: String| {
        // Already in the basket: one more unit, no round trip.
        let known = lines.with_untracked(|ls| {
            ls.iter()
                .find(|l| l.product.barcode.as_deref() == Some(code.as_str()))
                .map(|l| l.product.id)
        });
        if let Some(id) = known {
            state.change_quantity(id, 1);
            basket_error.set(None);
            return;
        }
        spawn_local(async move {
            match api::product_by_barcode(auth, &code).await {
                Ok(page) => match page.items.into_iter().next() {
                    Some(product) => state.add_product(product),
                    None => basket_error.set(Some(Msg::KeyWith("pos.unknown_barcode", code))),
                },
                Err(e) => basket_error.set(Some(Msg::Api(e))),
            }
        });
    };

    // A barcode scanned into the phone field.
    Effect::new(move |_| {
        let Some(code) = scanned.get() else {
            return;
        };
        scanned.update_untracked(|s| *s = None);
        lookup_barcode(code);
    });

    // The results on screen always belong to the text in the field: typing clears them,
    // and an answer for an older text is dropped. Enter before the answer waits for it.
    let search_seq = StoredValue::new(0_u64);
    let enter_waiting = StoredValue::new(None::<String>);
    let search = move |text: String| {
        let n = search_seq.get_value() + 1;
        search_seq.set_value(n);
        searching.set(true);
        spawn_local(async move {
            let result = api::search_products(auth, &text).await;
            let current =
                search_seq.try_get_value() == Some(n) && query.with_untracked(|q| q.trim() == text);
            if !current {
                return;
            }
            searching.set(false);
            let entered = enter_waiting.with_value(|w| w.as_deref() == Some(text.as_str()));
            enter_waiting.set_value(None);
            match result {
                Ok(page) if page.items.is_empty() => {
                    results.set(None);
                    basket_error.set(Some(Msg::KeyWith("pos.no_product", format!("« {text} »"))));
                }
                Ok(mut page) if entered && page.items.len() == 1 => pick(page.items.remove(0)),
                Ok(page) => {
                    basket_error.set(None);
                    active.set(0);
                    results.set(Some(page.items));
                }
                Err(e) => {
                    results.set(None);
                    basket_error.set(Some(Msg::Api(e)));
                }
            }
        });
    };
    // Search as you type, once the typing pauses; digits only are a scan on its way.
    let on_query_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev).trim().to_string();
        results.set(None);
        enter_waiting.set_value(None);
        let n = search_seq.get_value() + 1;
        search_seq.set_value(n);
        searching.set(false);
        if text.chars().count() < 2 || text.chars().all(|c| c.is_ascii_digit()) {
            return;
        }
        set_timeout(
            move || {
                if search_seq.try_get_value() == Some(n) {
                    search(text);
                }
            },
            std::time::Duration::from_millis(SEARCH_PAUSE_MS),
        );
    };

    let on_barcode_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        let text = query.get_untracked().trim().to_string();
        let open = results.with_untracked(|r| r.as_ref().is_some_and(|r| !r.is_empty()));
        match key.as_str() {
            "Enter" if ev.ctrl_key() || ev.meta_key() => {}
            "Enter" => {
                ev.prevent_default();
                if open && (text.is_empty() || !is_ean13(&text)) {
                    let chosen = results.with_untracked(|r| {
                        r.as_ref()
                            .and_then(|r| r.get(active.get_untracked()).cloned())
                    });
                    if let Some(product) = chosen {
                        pick(product);
                    }
                } else if text.is_empty() {
                    if lines.with_untracked(|l| !l.is_empty()) {
                        if settled.get_untracked() {
                            focus_validate();
                        } else {
                            focus_amount();
                        }
                    }
                } else if is_ean13(&text) {
                    query.set(String::new());
                    results.set(None);
                    lookup_barcode(text);
                } else {
                    // No list for this text yet: its answer adds the product if it is
                    // the only one, or shows the list.
                    enter_waiting.set_value(Some(text.clone()));
                    search(text);
                }
            }
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                let step = if key == "ArrowDown" { 1 } else { -1 };
                if open {
                    let len = results.with_untracked(|r| r.as_ref().map_or(0, Vec::len));
                    let current = active.get_untracked();
                    active.set(if step > 0 {
                        (current + 1).min(len.saturating_sub(1))
                    } else {
                        current.saturating_sub(1)
                    });
                } else {
                    state.move_selection(step);
                }
            }
            "Escape" => {
                if open {
                    ev.prevent_default();
                    results.set(None);
                } else if !text.is_empty() {
                    ev.prevent_default();
                    query.set(String::new());
                }
            }
            "+" | "-" if text.is_empty() => {
                ev.prevent_default();
                if let Some(id) = selected.get_untracked() {
                    state.change_quantity(id, if key == "+" { 1 } else { -1 });
                }
            }
            "Delete" if text.is_empty() => {
                ev.prevent_default();
                if let Some(id) = selected.get_untracked() {
                    state.remove(id);
                }
            }
            _ => {}
        }
    };

    let add_payment = move || {
        if locked.get_untracked() {
            payment_error.set(Some(Msg::Key("pos.locked")));
            return;
        }
        payment_error.set(None);
        let Some(value) = parse_amount(&amount.get_untracked()).filter(|v| *v > 0) else {
            payment_error.set(Some(Msg::Key("pos.amount_invalid")));
            focus_amount();
            return;
        };
        let method_code = method.get_untracked();
        let is_cash = method_code == PaymentMethod::Especes.as_str();
        if !is_cash && value > remaining.get_untracked() {
            payment_error.set(Some(Msg::Key("pos.non_cash_over")));
            focus_amount();
            return;
        }
        let reference_text = reference.get_untracked().trim().to_string();
        payments.update(|ps| {
            ps.push(PaymentRequest {
                method: method_code,
                amount: value,
                reference: (!is_cash && !reference_text.is_empty()).then_some(reference_text),
            })
        });
        reference.set(String::new());
        if settled.get_untracked() {
            focus_validate();
        } else {
            focus_amount();
        }
    };

    // The sale is recorded: its receipt, and nothing left pending.
    let recorded = move |r: Receipt| {
        pending::forget();
        payment_error.set(None);
        basket_error.set(None);
        receipt.set(Some(r));
    };

    // Asks the server what became of the unconfirmed sale's key.
    let check_pending = move || {
        let mut asked = None;
        submission.update(|s| asked = s.check());
        let Some(key) = asked else {
            return;
        };
        spawn_local(async move {
            let answer = api::sale_by_key(auth, &key).await;
            match answer {
                Ok(r) => {
                    submission.update(|s| s.checked(KeyAnswer::Found));
                    recorded(r);
                }
                Err(e) if e.code() == Some("sale.not_found") => {
                    submission.update(|s| s.checked(KeyAnswer::NotFound));
                    pending::forget();
                    basket_error.set(None);
                    payment_error.set(Some(Msg::Key("pos.not_recorded")));
                    focus_validate();
                }
                Err(_) => {
                    submission.update(|s| s.checked(KeyAnswer::Lost));
                    payment_error.set(Some(Msg::Key("pos.unconfirmed")));
                    focus_validate();
                }
            }
        });
    };

    let submit = move || {
        if busy.get_untracked() || receipt.with_untracked(Option::is_some) {
            return;
        }
        // Locked: F9 asks about the key, it never sends again.
        if locked.get_untracked() {
            check_pending();
            return;
        }
        if lines.with_untracked(Vec::is_empty) {
            payment_error.set(Some(Msg::Key("pos.basket_empty")));
            focus_barcode();
            return;
        }
        if coupon_checking.get_untracked() {
            payment_error.set(Some(Msg::Key("pos.coupon_checking")));
            return;
        }
        if !settled.get_untracked() {
            payment_error.set(Some(Msg::Key("pos.not_covered")));
            focus_amount();
            return;
        }
        // Only a coupon that applies to this basket goes with the sale.
        let coupon_code = standing.with_untracked(|s| match s {
            Some((code, CouponStanding::Valid(_))) => Some(code.clone()),
            _ => None,
        });
        let request = CreateSaleRequest {
            till_id: None,
            customer_id: customer_id.get_untracked(),
            lines: line_requests(&basket_ids.get_untracked()),
            coupon_code,
            payments: payments.get_untracked(),
        };
        let body = serde_json::to_string(&request).unwrap_or_default();
        let mut sent = None;
        submission.update(|s| sent = s.send(body, new_uuid));
        let Some(Attempt { key, .. }) = sent else {
            return;
        };
        // Kept until the server answers, so that a reload cannot forget the key.
        pending::save(&pending::PendingSale {
            cashier: auth.session_untracked().map_or(0, |s| s.user.id),
            key: key.clone(),
            request: request.clone(),
            lines: lines
                .with_untracked(|ls| ls.iter().map(|l| (l.product.clone(), l.quantity)).collect()),
            customer: customer.get_untracked(),
        });
        payment_error.set(None);
        spawn_local(async move {
            let result = api::create_sale(auth, &key, &request).await;
            match result {
                Ok(r) => {
                    submission.update(|s| s.answered(SaleAnswer::Recorded));
                    recorded(r);
                }
                Err(e) if answer_lost(&e) => {
                    // The server may have recorded it: locked until it says.
                    submission.update(|s| s.answered(SaleAnswer::Lost));
                    payment_error.set(None);
                    check_pending();
                }
                Err(e) => {
                    submission.update(|s| s.answered(SaleAnswer::Refused));
                    pending::forget();
                    if e.code().is_some_and(|c| c.starts_with("coupon.")) {
                        // Refused with its coupon (cap reached meanwhile…): the basket
                        // stays, the chip says why and the totals go back to no coupon.
                        let key = coupon_key.get_untracked().unwrap_or_default();
                        coupon.update(|applied| {
                            if let Some(c) = applied.as_mut() {
                                c.first = false;
                                c.check = Some(CouponCheck {
                                    key,
                                    outcome: Err(Msg::Api(e.clone())),
                                });
                            }
                        });
                        payment_error.set(Some(Msg::Api(e)));
                        focus_amount();
                    } else {
                        payment_error.set(Some(Msg::Api(e)));
                        focus_validate();
                    }
                }
            }
        });
    };

    // A sale left unconfirmed by a reload (or a closed tab): locked again, and asked about.
    if let Some(stored) = pending::load(auth) {
        restore(state, &stored);
        check_pending();
    }

    let new_sale = move || on_new_sale.run(());

    // F9 / Ctrl+Enter validate from anywhere on the screen; Enter on the receipt starts
    // the next sale.
    let keys = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.default_prevented() {
            return;
        }
        let key = ev.key();
        let ctrl_enter = key == "Enter" && (ev.ctrl_key() || ev.meta_key());
        if key == "F9" || ctrl_enter {
            ev.prevent_default();
            submit();
            return;
        }
        if key == "F2" && receipt.with_untracked(Option::is_none) {
            ev.prevent_default();
            focus_coupon();
            return;
        }
        if key == "Enter" && receipt.with_untracked(Option::is_some) {
            let target = ev
                .target()
                .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
            let (tag, id) = target
                .map(|t| (t.tag_name().to_ascii_uppercase(), t.id()))
                .unwrap_or_default();
            let in_field = matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA");
            let other_button = tag == "BUTTON" && id != "new-sale";
            if !in_field && !other_button {
                ev.prevent_default();
                new_sale();
            }
        }
    });
    on_cleanup(move || keys.remove());

    // "Code promo": Enter applies the code typed; on the empty field it goes on to the
    // payment (or validation) like the scan field; Escape goes back to the scan field.
    let apply_typed = move || {
        let typed = coupon_text.get_untracked();
        if typed.trim().is_empty() {
            if lines.with_untracked(|l| !l.is_empty()) {
                if settled.get_untracked() {
                    focus_validate();
                } else {
                    focus_amount();
                }
            }
            return;
        }
        state.apply_coupon(&typed);
        coupon_text.set(String::new());
    };
    let on_coupon_key = move |ev: KeyboardEvent| match ev.key().as_str() {
        "Enter" if !ev.ctrl_key() && !ev.meta_key() => {
            ev.prevent_default();
            apply_typed();
        }
        "Escape" => {
            ev.prevent_default();
            if coupon_text.with_untracked(|t| t.is_empty()) {
                focus_barcode();
            } else {
                coupon_text.set(String::new());
            }
        }
        _ => {}
    };
    let coupon_chip = move || {
        standing.get().map(|(code, standing)| {
            let state_name = match &standing {
                CouponStanding::Waiting => "waiting",
                CouponStanding::Checking => "checking",
                CouponStanding::Valid(_) => "valid",
                CouponStanding::Refused(_) => "refused",
            };
            let status = match standing {
                CouponStanding::Waiting => view! {
                    <span class="chip-note muted">{i18n.tr("pos.coupon_waiting")}</span>
                }
                .into_any(),
                CouponStanding::Checking => view! {
                    <span class="chip-note muted">{i18n.tr("pos.coupon_checking_short")}</span>
                }
                .into_any(),
                CouponStanding::Valid(q) => view! {
                    <span id="applied-coupon-discount" class="chip-amount">
                        "−" {money(q.discount)}
                    </span>
                    <span class="chip-note">{q.description.unwrap_or_default()}</span>
                }
                .into_any(),
                CouponStanding::Refused(msg) => view! {
                    <span id="applied-coupon-refusal" class="chip-note chip-refusal" role="alert">
                        {move || msg.render(i18n.lang())}
                    </span>
                }
                .into_any(),
            };
            let data_code = code.clone();
            view! {
                <div id="applied-coupon" class="coupon-chip" data-state=state_name data-code=data_code>
                    <span class="chip-icon" aria-hidden="true">"✂"</span>
                    <div class="chip-body">
                        <code id="applied-coupon-code" class="coupon-code">{code}</code>
                        {status}
                    </div>
                    <button
                        id="remove-coupon"
                        class="icon-button"
                        type="button"
                        title=i18n.tr("pos.coupon_remove")
                        aria-label=i18n.tr("pos.coupon_remove")
                        on:click=move |_| {
                            state.remove_coupon();
                            focus_barcode();
                        }
                    >
                        "×"
                    </button>
                </div>
            }
        })
    };
    let coupon_entry = move || {
        view! {
            <section class="coupon-entry" aria-labelledby="coupon-entry-label">
                <label class="field" for="coupon-code">
                    <span id="coupon-entry-label" class="field-label">{i18n.tr("pos.promo_code")}</span>
                </label>
                <div class="coupon-input-row">
                    <input
                        id="coupon-code"
                        name="coupon_code"
                        type="text"
                        autocomplete="off"
                        autocapitalize="characters"
                        spellcheck="false"
                        class="input-code"
                        placeholder=i18n.tr("pos.promo_placeholder")
                        aria-describedby="coupon-error checkout-hint"
                        aria-invalid=move || if coupon_error.with(Option::is_some) { "true" } else { "false" }
                        node_ref=coupon_ref
                        bind:value=coupon_text
                        on:input=move |_| coupon_error.set(None)
                        on:keydown=on_coupon_key
                    />
                    <button id="apply-coupon" class="button" type="button" on:click=move |_| {
                        apply_typed();
                        focus_coupon();
                    }>
                        {i18n.tr("pos.apply_coupon")}
                    </button>
                </div>
                <Show when=move || coupon_error.with(Option::is_some)>
                    <p id="coupon-error" class="form-error" role="alert">
                        {move || coupon_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                    </p>
                </Show>
                {coupon_chip}
            </section>
        }
    };

    let discount_label = move || {
        format!(
            "{} ({}\u{a0}%)",
            i18n.t("pos.discount"),
            trim_decimal(&loyalty_percent.get())
        )
    };
    let totals_view = move || {
        let t = totals.get();
        let subtotal = t.as_ref().map_or(0, |t| t.subtotal.francs());
        let discount = t.as_ref().map_or(0, |t| t.loyalty_discount.francs());
        let total = t.as_ref().map_or(0, |t| t.total.francs());
        let vat: i64 = t
            .as_ref()
            .map_or(0, |t| t.vat.iter().map(|v| v.vat.francs()).sum());
        let points = t.as_ref().map_or(0, |t| t.points);
        let coupon_amount = t.as_ref().map_or(0, |t| t.coupon_discount.francs());
        let coupon_row = coupon_discount.get().map(|_| {
            let code = applied_code.get_untracked().unwrap_or_default();
            view! {
                <div class="discount-row coupon-total-row">
                    <dt>{i18n.tr("pos.coupon_line")} " " <code class="mono">{code}</code></dt>
                    <dd id="basket-coupon-discount">"−" {money(coupon_amount)}</dd>
                </div>
            }
        });
        // No "−0 FCFA": the row shows once there is a discount (a `hidden` row would
        // still be laid out by the flex rule of the totals).
        let loyalty_row = (discount > 0).then(|| {
            view! {
                <div class="discount-row">
                    <dt>{discount_label}</dt>
                    <dd id="basket-discount">"−" {money(discount)}</dd>
                </div>
            }
        });
        view! {
            <dl class="basket-totals" id="basket-totals">
                <div>
                    <dt>{i18n.tr("pos.subtotal")}</dt>
                    <dd id="basket-subtotal">{money(subtotal)}</dd>
                </div>
                {loyalty_row}
                {coupon_row}
                <div class="grand-total">
                    <dt>{i18n.tr("pos.total")}</dt>
                    <dd id="basket-total">{money(total)}</dd>
                </div>
                <div class="vat-row">
                    <dt>{i18n.tr("pos.vat_included")}</dt>
                    <dd id="basket-vat">{money(vat)}</dd>
                </div>
                <Show when=move || customer_id.with(Option::is_some)>
                    <div class="vat-row">
                        <dt>{i18n.tr("pos.points_to_earn")}</dt>
                        <dd id="basket-points">{crm_domain::money::group_thousands(points)}</dd>
                    </div>
                </Show>
            </dl>
        }
    };

    let line_rows = move || {
        let current = selected.get();
        lines
            .get()
            .into_iter()
            .map(|line| {
                let id = line.product.id;
                let is_selected = current == Some(id);
                let line_total = line.product.price * i64::from(line.quantity);
                view! {
                    <li
                        class="basket-line"
                        class:selected=is_selected
                        aria-selected=if is_selected { "true" } else { "false" }
                        role="option"
                        data-product-id=id
                        on:click=move |_| selected.set(Some(id))
                    >
                        <div class="line-main">
                            <span class="line-name">{line.product.name.clone()}</span>
                            <span class="line-unit muted">
                                {money(line.product.price)}
                                <span class="line-sku">" · " {line.product.sku.clone()}</span>
                            </span>
                        </div>
                        <div class="line-qty">
                            <button
                                class="icon-button qty-minus"
                                type="button"
                                tabindex="-1"
                                title=i18n.tr("pos.qty_minus")
                                on:click=move |ev| {
                                    ev.stop_propagation();
                                    state.change_quantity(id, -1);
                                    focus_barcode();
                                }
                            >
                                "−"
                            </button>
                            <span class="line-quantity">{line.quantity}</span>
                            <button
                                class="icon-button qty-plus"
                                type="button"
                                tabindex="-1"
                                title=i18n.tr("pos.qty_plus")
                                on:click=move |ev| {
                                    ev.stop_propagation();
                                    state.change_quantity(id, 1);
                                    focus_barcode();
                                }
                            >
                                "+"
                            </button>
                        </div>
                        <span class="line-total">{money(line_total)}</span>
                        <button
                            class="icon-button line-remove"
                            type="button"
                            tabindex="-1"
                            title=i18n.tr("pos.remove_line")
                            on:click=move |ev| {
                                ev.stop_propagation();
                                state.remove(id);
                                focus_barcode();
                            }
                        >
                            "×"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };

    let result_items = move || {
        let current = active.get();
        results
            .get()
            .unwrap_or_default()
            .into_iter()
            .enumerate()
            .map(|(i, product)| {
                let is_active = i == current;
                let shown = product.clone();
                view! {
                    <li
                        class="product-result"
                        class:active=is_active
                        role="option"
                        aria-selected=if is_active { "true" } else { "false" }
                        data-product-id=shown.id
                        on:mousedown=move |ev| ev.prevent_default()
                        on:click=move |_| pick(product.clone())
                    >
                        <span class="result-name">{shown.name}</span>
                        <span class="muted mono result-sku">{shown.sku}</span>
                        <span class="result-price">{money(shown.price)}</span>
                    </li>
                }
            })
            .collect_view()
    };

    let payment_rows = move || {
        payments
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let code = p.method.clone();
                view! {
                    <li class="payment-line" data-method=p.method.clone()>
                        <span class="payment-method-label">
                            {move || method_label(i18n.lang(), &code)}
                            {p.reference.map(|r| view! { <span class="muted">" · " {r}</span> })}
                        </span>
                        <span class="payment-amount-value">{money(p.amount)}</span>
                        <button
                            class="icon-button payment-remove"
                            type="button"
                            tabindex="-1"
                            title=i18n.tr("pos.remove_payment")
                            on:click=move |_| {
                                if locked.get_untracked() {
                                    payment_error.set(Some(Msg::Key("pos.locked")));
                                    return;
                                }
                                payments.update(|ps| {
                                    if i < ps.len() {
                                        ps.remove(i);
                                    }
                                });
                                focus_amount();
                            }
                        >
                            "×"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };

    let method_options = move || {
        let lang = i18n.lang();
        PaymentMethod::ALL
            .into_iter()
            .map(|m| {
                let code = m.as_str();
                view! {
                    <option value=code selected=move || method.get() == code>
                        {method_label(lang, code)}
                    </option>
                }
            })
            .collect_view()
    };

    let basket_view = move || {
        view! {
            <Show when=move || unconfirmed.get()>
                <p id="sale-unconfirmed" class="form-error sale-unconfirmed" role="alert">
                    {move || {
                        if busy.get() { i18n.t("pos.checking_sale") } else { i18n.t("pos.unconfirmed") }
                    }}
                </p>
            </Show>
            <div class="scan">
                <label class="field" for="barcode">
                    <span class="field-label">{i18n.tr("pos.barcode")}</span>
                </label>
                <div class="scan-box">
                    <input
                        id="barcode"
                        name="barcode"
                        type="text"
                        autocomplete="off"
                        class="input-scan"
                        role="combobox"
                        aria-controls="product-results"
                        aria-expanded=move || if results.with(Option::is_some) { "true" } else { "false" }
                        aria-describedby="basket-error checkout-hint"
                        placeholder=i18n.tr("pos.barcode_placeholder")
                        node_ref=barcode_ref
                        bind:value=query
                        on:keydown=on_barcode_key
                        on:input=on_query_input
                    />
                    <Show when=move || searching.get()>
                        <span class="scan-spinner muted">{i18n.tr("pos.searching")}</span>
                    </Show>
                    <Show when=move || results.with(|r| r.as_ref().is_some_and(|r| !r.is_empty()))>
                        <ul id="product-results" class="product-results" role="listbox">
                            {result_items}
                        </ul>
                    </Show>
                </div>
                <Show when=move || basket_error.with(Option::is_some)>
                    <p id="basket-error" class="form-error" role="alert">
                        {move || basket_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                    </p>
                </Show>
            </div>
            <div id="basket" class="basket">
                <Show
                    when=move || lines.with(|l| !l.is_empty())
                    fallback=move || {
                        view! {
                            <div class="basket-empty">
                                <svg class="basket-icon" viewBox="0 0 24 24" aria-hidden="true">
                                    <path d="M3 4h2.2l2.3 10.2a1.5 1.5 0 0 0 1.5 1.2h8.4a1.5 1.5 0 0 0 1.5-1.1L21 8H6.3" />
                                    <circle cx="9.5" cy="19.5" r="1.5" />
                                    <circle cx="17" cy="19.5" r="1.5" />
                                </svg>
                                <p class="muted">{i18n.tr("pos.basket_empty_text")}</p>
                            </div>
                        }
                    }
                >
                    <ul class="basket-lines" role="listbox" aria-label=i18n.tr("pos.basket")>
                        {line_rows}
                    </ul>
                </Show>
                {totals_view}
            </div>
            {coupon_entry}
            <section class="payment" aria-labelledby="payment-title">
                <h3 id="payment-title">{i18n.tr("pos.payment")}</h3>
                <div class="payment-form">
                    <label class="field">
                        <span class="field-label">{i18n.tr("pos.payment_method")}</span>
                        <select
                            id="payment-method"
                            name="payment_method"
                            prop:value=move || method.get()
                            on:change=move |ev| {
                                method.set(event_target_value(&ev));
                                payment_error.set(None);
                            }
                        >
                            {method_options}
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("pos.payment_amount")}</span>
                        <input
                            id="payment-amount"
                            name="payment_amount"
                            type="text"
                            inputmode="numeric"
                            autocomplete="off"
                            class="input-amount"
                            node_ref=amount_ref
                            bind:value=amount
                            on:focus=move |_| {
                                if let Some(input) = amount_ref.get_untracked() {
                                    input.select();
                                }
                            }
                            on:keydown=move |ev: KeyboardEvent| {
                                if ev.key() == "Enter" && !ev.ctrl_key() && !ev.meta_key() {
                                    ev.prevent_default();
                                    if amount.with_untracked(|a| a.trim().is_empty()) && settled.get_untracked() {
                                        submit();
                                    } else {
                                        add_payment();
                                    }
                                } else if ev.key() == "Escape" {
                                    ev.prevent_default();
                                    focus_barcode();
                                }
                            }
                        />
                    </label>
                    <Show when=move || method.with(|m| m != PaymentMethod::Especes.as_str())>
                        <label class="field payment-reference-field">
                            <span class="field-label">{i18n.tr("pos.payment_reference")}</span>
                            <input
                                id="payment-reference"
                                name="payment_reference"
                                type="text"
                                autocomplete="off"
                                bind:value=reference
                                on:keydown=move |ev: KeyboardEvent| {
                                    if ev.key() == "Enter" && !ev.ctrl_key() && !ev.meta_key() {
                                        ev.prevent_default();
                                        add_payment();
                                    }
                                }
                            />
                        </label>
                    </Show>
                    <button id="add-payment" class="button" type="button" on:click=move |_| add_payment()>
                        {i18n.tr("pos.add_payment")}
                    </button>
                </div>
                <ul id="payments" class="payments">{payment_rows}</ul>
                <dl class="basket-totals due">
                    <div>
                        <dt>{i18n.tr("pos.paid")}</dt>
                        <dd id="amount-paid">{move || money(paid.get())}</dd>
                    </div>
                    <div class:done=move || { remaining.get() == 0 && total.get() > 0 }>
                        <dt>{i18n.tr("pos.remaining")}</dt>
                        <dd id="amount-due">{move || money(remaining.get())}</dd>
                    </div>
                    <div class="change-row">
                        <dt>{i18n.tr("pos.change")}</dt>
                        <dd id="change-due">{move || money(change.get())}</dd>
                    </div>
                </dl>
                <Show when=move || payment_error.with(Option::is_some)>
                    <p id="payment-error" class="form-error" role="alert">
                        {move || payment_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                    </p>
                </Show>
                <button
                    id="validate-sale"
                    class="button button-primary button-block button-validate"
                    type="button"
                    node_ref=validate_ref
                    disabled=move || !can_validate()
                    on:click=move |_| submit()
                >
                    {move || {
                        if busy.get() {
                            i18n.t("pos.validating")
                        } else if unconfirmed.get() {
                            i18n.t("pos.check_sale")
                        } else {
                            i18n.t("pos.validate")
                        }
                    }}
                </button>
            </section>
        }
    };

    let receipt_view = move || {
        receipt.get().map(|r| {
            view! {
                <ReceiptView receipt=r />
                <div class="actions receipt-actions">
                    <button id="print-receipt" class="button" type="button" on:click=move |_| print()>
                        {i18n.tr("receipt.print")}
                    </button>
                    <button
                        id="new-sale"
                        class="button button-primary"
                        type="button"
                        node_ref=new_sale_ref
                        on:click=move |_| new_sale()
                    >
                        {i18n.tr("pos.new_sale")}
                    </button>
                </div>
            }
        })
    };

    view! {
        <aside class="pos-basket card" id="checkout" aria-labelledby="basket-title">
            <h2 id="basket-title" class="card-title">
                {move || if receipt.with(Option::is_some) { i18n.t("receipt.title") } else { i18n.t("pos.basket") }}
                <Show when=move || lines.with(|l| !l.is_empty()) && receipt.with(Option::is_none)>
                    <span class="badge badge-count" id="basket-count">
                        {move || {
                            let count = lines.with(|ls| ls.iter().map(|l| u64::from(l.quantity)).sum::<u64>());
                            let unit = if count == 1 { i18n.t("pos.item") } else { i18n.t("pos.items") };
                            format!("{count} {unit}")
                        }}
                    </span>
                </Show>
            </h2>
            <Show when=move || receipt.with(Option::is_some) fallback=basket_view>
                {receipt_view}
            </Show>
            <p id="checkout-hint" class="hint keys-hint">
                {move || if receipt.with(Option::is_some) { i18n.t("pos.receipt_hint") } else { i18n.t("pos.checkout_hint") }}
            </p>
        </aside>
    }
}
