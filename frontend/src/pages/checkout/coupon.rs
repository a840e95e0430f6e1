//! "Code promo": the code field, the applied coupon's chip, and its check with
//! `POST /coupons/quote` whenever the basket or the customer changes (the rules of the
//! answer are [`super::sale::take_answer`]'s).

use crm_api_types::QuoteRequest;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::sale::{line_requests, quote_outcome, take_answer, CouponStanding};
use super::Till;
use crate::api;
use crate::format::money;
use crate::i18n::use_i18n;

/// The code being typed, kept for the life of the till.
#[derive(Clone, Copy)]
pub(super) struct CouponInput {
    text: RwSignal<String>,
}

impl CouponInput {
    /// The field, and the check of the applied coupon against the current basket and
    /// customer.
    pub(super) fn new(till: Till) -> CouponInput {
        check_on_every_change(till);
        CouponInput {
            text: RwSignal::new(String::new()),
        }
    }

    /// Enter applies the code typed; on the empty field it goes on to the payment (or
    /// validation) like the scan field.
    fn apply_typed(self, till: Till) {
        let typed = self.text.get_untracked();
        if typed.trim().is_empty() {
            till.go_on();
            return;
        }
        till.state.apply_coupon(&typed);
        self.text.set(String::new());
    }

    fn key(self, till: Till, ev: &KeyboardEvent) {
        match ev.key().as_str() {
            "Enter" if !ev.ctrl_key() && !ev.meta_key() => {
                ev.prevent_default();
                self.apply_typed(till);
            }
            "Escape" => {
                ev.prevent_default();
                if self.text.with_untracked(String::is_empty) {
                    till.focus.barcode();
                } else {
                    self.text.set(String::new());
                }
            }
            _ => {}
        }
    }
}

/// Asks for a quote each time the code, the customer or the basket changes; only the
/// latest answer counts.
fn check_on_every_change(till: Till) {
    let state = till.state;
    let (coupon, coupon_seq) = (state.coupon, state.coupon_seq);
    Effect::new(move |_| {
        // A sale awaiting confirmation is not re-checked (nor its coupon dropped).
        if till.locked.get() {
            return;
        }
        let Some(key) = till.coupon_key.get() else {
            return;
        };
        let Some(code) = till.applied_code.get_untracked() else {
            return;
        };
        let basket = till.quantities.get_untracked();
        if basket.is_empty() {
            return;
        }
        let known = coupon.with_untracked(|c| c.as_ref().is_some_and(|c| c.checked_for(&key)));
        if known {
            return;
        }
        let n = coupon_seq.get_value() + 1;
        coupon_seq.set_value(n);
        let request = QuoteRequest {
            code: code.clone(),
            customer_id: till.customer_id.get_untracked(),
            // The till the sale will name: same store, same day.
            till_id: super::chosen_till_id(),
            lines: line_requests(&basket),
        };
        spawn_local(async move {
            let result = api::quote_coupon(till.auth, &request).await;
            if coupon_seq.try_get_value() != Some(n) {
                return; // a newer check is on its way
            }
            let outcome = quote_outcome(result);
            let mut dropped = None;
            coupon.update(|applied| dropped = take_answer(applied, &code, key, outcome));
            if let Some(msg) = dropped {
                state.coupon_error.set(Some(msg));
            }
        });
    });
}

/// The code field, its error, and the chip of the applied coupon.
#[component]
pub(super) fn CouponEntry(till: Till, input: CouponInput) -> impl IntoView {
    let i18n = use_i18n();
    let state = till.state;
    let coupon_error = state.coupon_error;
    let coupon_chip = move || {
        till.standing.get().map(|(code, standing)| {
            let state_name = standing.name();
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
                            till.focus.barcode();
                        }
                    >
                        "×"
                    </button>
                </div>
            }
        })
    };
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
                    node_ref=till.focus.coupon
                    bind:value=input.text
                    on:input=move |_| coupon_error.set(None)
                    on:keydown=move |ev: KeyboardEvent| input.key(till, &ev)
                />
                <button id="apply-coupon" class="button" type="button" on:click=move |_| {
                    input.apply_typed(till);
                    till.focus.coupon();
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
}
