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
//!
//! The parts: [`sale`] decides (plain Rust, host-tested), [`CheckoutState`] keeps the
//! sale in signals, [`Till`] adds what is derived from it; one component per part of the
//! screen — [`search`] (the scan field), [`basket`], [`totals`], [`coupon`], [`payments`]
//! — and [`validate`] sends the sale.

mod basket;
mod coupon;
mod payments;
mod pending;
mod sale;
mod search;
mod submission;
mod till_choice;
mod totals;
mod validate;

pub use till_choice::{chosen_till_id, TillChoice};

use crm_api_types::{CustomerProfile, PaymentRequest, Product, Receipt};
use crm_domain::sale::{PaymentMethod, SaleTotals};
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use rust_decimal::Decimal;
use wasm_bindgen::JsCast;

use crate::auth::{use_auth, Auth};
use crate::components::{print, Msg, ReceiptView, Suggestions};
use crate::i18n::use_i18n;
use basket::BasketLines;
use coupon::CouponEntry;
use payments::PaymentForm;
use sale::{check_key, AppliedCoupon, Basket, CouponStanding, Due};
use search::ScanField;
use submission::Submission;
use totals::Totals;

/// The state of the current sale, shared with the customer side of the till.
#[derive(Clone, Copy)]
pub struct CheckoutState {
    basket: RwSignal<Basket>,
    payments: RwSignal<Vec<PaymentRequest>>,
    receipt: RwSignal<Option<Receipt>>,
    basket_error: RwSignal<Option<Msg>>,
    payment_error: RwSignal<Option<Msg>>,
    /// The product search's results and the highlighted one.
    results: RwSignal<Suggestions<Product>>,
    /// Where the validation stands (and the `Idempotency-Key` it uses).
    submission: RwSignal<Submission>,
    /// The payment method being entered: cash at the start of every sale.
    method: RwSignal<PaymentMethod>,
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
            basket: RwSignal::new(Basket::default()),
            payments: RwSignal::new(Vec::new()),
            receipt: RwSignal::new(None),
            basket_error: RwSignal::new(None),
            payment_error: RwSignal::new(None),
            results: RwSignal::new(Suggestions::default()),
            submission: RwSignal::new(Submission::default()),
            method: RwSignal::new(PaymentMethod::Especes),
            scanned: RwSignal::new(None),
            coupon: RwSignal::new(None),
            coupon_error: RwSignal::new(None),
            coupon_seq: StoredValue::new(0),
        }
    }

    /// Applies a coupon code (typed, or one of the customer's): it is checked against the
    /// basket at once, and again whenever the basket or the customer changes.
    pub fn apply_coupon(self, typed: &str) {
        let Some(applied) = AppliedCoupon::typed(typed) else {
            return;
        };
        if self.refuse_if_locked() {
            return;
        }
        self.coupon_error.set(None);
        let same = self
            .coupon
            .with_untracked(|c| c.as_ref().is_some_and(|c| c.code() == applied.code()));
        if !same {
            self.coupon.set(Some(applied));
        }
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
        self.coupon
            .with(|c| c.as_ref().map(|c| c.code().to_string()))
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
        self.basket.set(Basket::default());
        self.payments.set(Vec::new());
        self.receipt.set(None);
        self.basket_error.set(None);
        self.payment_error.set(None);
        self.results.set(Suggestions::default());
        self.submission.set(Submission::default());
        self.method.set(PaymentMethod::Especes);
        self.coupon.set(None);
        self.coupon_error.set(None);
    }

    fn add_product(self, product: Product) {
        if self.refuse_if_locked() {
            return;
        }
        // A refused product changes nothing, and notifies nobody.
        let mut refused = None;
        self.basket
            .maybe_update(|b| b.add(product).map_err(|msg| refused = Some(msg)).is_ok());
        self.basket_error.set(refused);
    }

    fn change_quantity(self, id: i64, delta: i32) {
        if self.refuse_if_locked() {
            return;
        }
        self.basket.update(|b| b.change_quantity(id, delta));
    }

    fn remove(self, id: i64) {
        if self.refuse_if_locked() {
            return;
        }
        self.basket.update(|b| b.remove(id));
    }
}

/// Where the focus goes as the cashier moves through the sale.
#[derive(Clone, Copy)]
struct Focus {
    barcode: NodeRef<html::Input>,
    amount: NodeRef<html::Input>,
    coupon: NodeRef<html::Input>,
    validate: NodeRef<html::Button>,
}

impl Focus {
    fn barcode(self) {
        if let Some(input) = self.barcode.get_untracked() {
            let _ = input.focus();
        }
    }

    /// After the DOM has caught up (prefilled amount, button enabled).
    fn amount(self) {
        let amount = self.amount;
        request_animation_frame(move || {
            if let Some(input) = amount.get_untracked() {
                let _ = input.focus();
                input.select();
            }
        });
    }

    fn coupon(self) {
        if let Some(input) = self.coupon.get_untracked() {
            let _ = input.focus();
            input.select();
        }
    }

    fn validate(self) {
        let validate = self.validate;
        request_animation_frame(move || {
            if let Some(button) = validate.get_untracked() {
                let _ = button.focus();
            }
        });
    }
}

/// What the parts of the till share: the sale, the customer, what is derived from them,
/// and where the focus goes. One value, copied into each component.
#[derive(Clone, Copy)]
struct Till {
    state: CheckoutState,
    auth: Auth,
    /// The identified customer (absent: anonymous sale).
    customer: Signal<Option<CustomerProfile>>,
    customer_id: Signal<Option<i64>>,
    /// Their loyalty discount, decimal string (`"5"`); `"0"` when anonymous.
    loyalty_percent: Signal<String>,
    busy: Memo<bool>,
    locked: Memo<bool>,
    /// Sent, and the answer lost (or being asked about).
    unconfirmed: Memo<bool>,
    /// (product id, quantity) of each line: what a quote or the sale is for.
    quantities: Memo<Vec<(i64, u32)>>,
    applied_code: Memo<Option<String>>,
    /// What the applied coupon's check depends on (see [`check_key`]).
    coupon_key: Memo<Option<String>>,
    /// The applied coupon's code and where it stands for the current basket.
    standing: Memo<Option<(String, CouponStanding)>>,
    /// The valid coupon's discount: amount and eligible lines.
    coupon_discount: Memo<Option<(i64, Vec<usize>)>>,
    coupon_checking: Memo<bool>,
    totals: Memo<Option<SaleTotals>>,
    total: Memo<i64>,
    due: Memo<Due>,
    focus: Focus,
}

impl Till {
    fn new(state: CheckoutState, customer: Signal<Option<CustomerProfile>>, focus: Focus) -> Till {
        let CheckoutState {
            basket,
            payments,
            submission,
            coupon,
            ..
        } = state;
        let customer_id =
            Signal::derive(move || customer.with(|c| c.as_ref().map(|p| p.customer.id)));
        let loyalty_percent = Signal::derive(move || {
            customer.with(|c| {
                c.as_ref()
                    .map_or_else(|| "0".to_string(), |p| p.loyalty.discount_percent.clone())
            })
        });
        let percent: Memo<Decimal> =
            Memo::new(move |_| loyalty_percent.with(|p| sale::loyalty_percent(p)));
        let quantities = Memo::new(move |_| basket.with(Basket::quantities));
        let applied_code =
            Memo::new(move |_| coupon.with(|c| c.as_ref().map(|c| c.code().to_string())));
        let coupon_key = Memo::new(move |_| {
            applied_code
                .get()
                .map(|code| check_key(&code, customer_id.get(), &quantities.get()))
        });
        let standing = Memo::new(move |_| {
            let key = coupon_key.get()?;
            let empty = quantities.with(Vec::is_empty);
            coupon.with(|c| {
                let c = c.as_ref()?;
                Some((c.code().to_string(), c.standing(&key, empty)))
            })
        });
        let coupon_discount = Memo::new(move |_| {
            standing.with(|s| match s {
                Some((_, CouponStanding::Valid(q))) => Some((q.discount, q.eligible_lines.clone())),
                _ => None,
            })
        });
        let totals = Memo::new(move |_| {
            let pct = percent.get();
            let discount = coupon_discount.get();
            basket.with(|b| sale::price(&b.lines, pct, discount))
        });
        let total = Memo::new(move |_| totals.with(|t| t.as_ref().map_or(0, |t| t.total.francs())));
        Till {
            state,
            auth: use_auth(),
            customer,
            customer_id,
            loyalty_percent,
            busy: Memo::new(move |_| submission.with(Submission::busy)),
            locked: Memo::new(move |_| submission.with(Submission::locked)),
            unconfirmed: Memo::new(move |_| {
                submission
                    .with(|s| matches!(s, Submission::Unconfirmed(_) | Submission::Checking(_)))
            }),
            quantities,
            applied_code,
            coupon_key,
            standing,
            coupon_discount,
            coupon_checking: Memo::new(move |_| {
                standing.with(|s| matches!(s, Some((_, CouponStanding::Checking))))
            }),
            totals,
            total,
            due: Memo::new(move |_| payments.with(|ps| Due::of(total.get(), ps))),
            focus,
        }
    }

    /// Whether the payments cover the total (untracked).
    fn settled_untracked(self) -> bool {
        self.due.with_untracked(|d| d.settled)
    }

    /// Enter on an empty scan or code field: on to the payment amount, or to validation
    /// once the payments cover the total. Nothing while the basket is empty.
    fn go_on(self) {
        if self.state.basket.with_untracked(|b| !b.is_empty()) {
            self.pay_or_validate();
        }
    }

    /// To validation once the payments cover the total, else to the payment amount.
    fn pay_or_validate(self) {
        if self.settled_untracked() {
            self.focus.validate();
        } else {
            self.focus.amount();
        }
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

/// The customer of a sale left unconfirmed by a reload, for the till to show again.
pub fn pending_customer(auth: Auth) -> Option<CustomerProfile> {
    pending::load(auth).and_then(|p| p.customer)
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
    let i18n = use_i18n();
    let CheckoutState {
        basket, receipt, ..
    } = state;
    let new_sale_ref = NodeRef::<html::Button>::new();
    let focus = Focus {
        barcode: barcode_ref,
        amount: NodeRef::new(),
        coupon: NodeRef::new(),
        validate: NodeRef::new(),
    };
    let till = Till::new(state, customer, focus);
    // What the fields hold and what their effects watch lives as long as the till, not
    // as long as the basket side: a receipt on screen keeps them (and the scan effect
    // works while it is shown).
    let scan = search::ScanInput::new(till);
    let coupon_input = coupon::CouponInput::new(till);
    let payment_input = payments::PaymentInput::new(till);
    basket::keep_selection_in_view(basket);

    // The receipt's "Nouvelle vente" takes the focus.
    Effect::new(move |_| {
        if let Some(button) = new_sale_ref.get() {
            let _ = button.focus();
        }
    });

    // A sale left unconfirmed by a reload (or a closed tab): locked again, and asked about.
    if let Some(stored) = pending::load(till.auth) {
        validate::restore(state, &stored);
        validate::check_pending(till);
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
            validate::submit(till);
            return;
        }
        if key == "F2" && receipt.with_untracked(Option::is_none) {
            ev.prevent_default();
            focus.coupon();
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

    let basket_view = move || {
        view! {
            <Show when=move || till.unconfirmed.get()>
                <p id="sale-unconfirmed" class="form-error sale-unconfirmed" role="alert">
                    {move || {
                        if till.busy.get() { i18n.t("pos.checking_sale") } else { i18n.t("pos.unconfirmed") }
                    }}
                </p>
            </Show>
            <ScanField till=till input=scan />
            <div id="basket" class="basket">
                <BasketLines till=till />
                <Totals till=till />
            </div>
            <CouponEntry till=till input=coupon_input />
            <PaymentForm till=till input=payment_input />
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
                <Show when=move || basket.with(|b| !b.is_empty()) && receipt.with(Option::is_none)>
                    <span class="badge badge-count" id="basket-count">
                        {move || {
                            let count = basket.with(Basket::units);
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
