//! The payments: method, amount (prefilled with what remains due) and reference, the
//! payments added, what is paid, due and handed back, and the "Valider" button.

use crm_domain::sale::PaymentMethod;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

use super::sale::{method_of, typed_payment};
use super::submission::Submission;
use super::{validate, Till};
use crate::components::Msg;
use crate::format::{method_label, money};
use crate::i18n::use_i18n;

/// What the payment form holds, kept for the life of the till.
#[derive(Clone, Copy)]
pub(super) struct PaymentInput {
    amount: RwSignal<String>,
    reference: RwSignal<String>,
    /// What remains due (a memo: the amount is prefilled only when it changes).
    remaining: Memo<i64>,
}

impl PaymentInput {
    /// The form's fields; the amount shows what remains due.
    pub(super) fn new(till: Till) -> PaymentInput {
        let input = PaymentInput {
            amount: RwSignal::new(String::new()),
            reference: RwSignal::new(String::new()),
            remaining: Memo::new(move |_| till.due.with(|d| d.remaining)),
        };
        Effect::new(move |_| {
            let due = input.remaining.get();
            input.amount.set(if due > 0 {
                due.to_string()
            } else {
                String::new()
            });
        });
        input
    }

    fn add_payment(self, till: Till) {
        let state = till.state;
        if till.locked.get_untracked() {
            state.payment_error.set(Some(Msg::Key("pos.locked")));
            return;
        }
        state.payment_error.set(None);
        let typed = typed_payment(
            state.method.get_untracked(),
            &self.amount.get_untracked(),
            &self.reference.get_untracked(),
            self.remaining.get_untracked(),
        );
        match typed {
            Ok(payment) => {
                state.payments.update(|ps| ps.push(payment));
                self.reference.set(String::new());
                till.pay_or_validate();
            }
            Err(key) => {
                state.payment_error.set(Some(Msg::Key(key)));
                till.focus.amount();
            }
        }
    }
}

/// `#payment-method`, `#payment-amount`, `#payment-reference`, `#payments`, the amounts
/// due and `#validate-sale`.
#[component]
pub(super) fn PaymentForm(till: Till, input: PaymentInput) -> impl IntoView {
    let i18n = use_i18n();
    let state = till.state;
    let (payments, payment_error, method) = (state.payments, state.payment_error, state.method);
    let PaymentInput {
        amount, reference, ..
    } = input;
    let paid = move || till.due.with(|d| d.paid);
    let change = move || till.due.with(|d| d.change);

    let can_validate = move || {
        let ready = till.due.with(|d| d.settled)
            && !till.busy.get()
            && !till.coupon_checking.get()
            && state.basket.with(|b| !b.is_empty());
        ready
            || state
                .submission
                .with(|s| matches!(s, Submission::Unconfirmed(_)))
    };

    let payment_rows = move || {
        payments
            .get()
            .into_iter()
            .enumerate()
            .map(|(i, p)| {
                let method = method_of(&p);
                let text = p.method.clone();
                view! {
                    <li class="payment-line" data-method=p.method.clone()>
                        <span class="payment-method-label">
                            {move || method.map_or_else(|| text.clone(), |m| method_label(i18n.lang(), m))}
                            {p.reference.map(|r| view! { <span class="muted">" · " {r}</span> })}
                        </span>
                        <span class="payment-amount-value">{money(p.amount)}</span>
                        <button
                            class="icon-button payment-remove"
                            type="button"
                            tabindex="-1"
                            title=i18n.tr("pos.remove_payment")
                            on:click=move |_| {
                                if till.locked.get_untracked() {
                                    payment_error.set(Some(Msg::Key("pos.locked")));
                                    return;
                                }
                                payments.update(|ps| {
                                    if i < ps.len() {
                                        ps.remove(i);
                                    }
                                });
                                till.focus.amount();
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
                view! {
                    <option value=m.as_str() selected=move || method.get() == m>
                        {method_label(lang, m)}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <section class="payment" aria-labelledby="payment-title">
            <h3 id="payment-title">{i18n.tr("pos.payment")}</h3>
            <div class="payment-form">
                <label class="field">
                    <span class="field-label">{i18n.tr("pos.payment_method")}</span>
                    <select
                        id="payment-method"
                        name="payment_method"
                        prop:value=move || method.get().as_str()
                        on:change=move |ev| {
                            // The options are the methods' own names.
                            if let Ok(chosen) = event_target_value(&ev).parse() {
                                method.set(chosen);
                            }
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
                        node_ref=till.focus.amount
                        bind:value=amount
                        on:focus=move |_| {
                            if let Some(field) = till.focus.amount.get_untracked() {
                                field.select();
                            }
                        }
                        on:keydown=move |ev: KeyboardEvent| {
                            if ev.key() == "Enter" && !ev.ctrl_key() && !ev.meta_key() {
                                ev.prevent_default();
                                if amount.with_untracked(|a| a.trim().is_empty()) && till.settled_untracked() {
                                    validate::submit(till);
                                } else {
                                    input.add_payment(till);
                                }
                            } else if ev.key() == "Escape" {
                                ev.prevent_default();
                                till.focus.barcode();
                            }
                        }
                    />
                </label>
                <Show when=move || !method.get().is_cash()>
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
                                    input.add_payment(till);
                                }
                            }
                        />
                    </label>
                </Show>
                <button id="add-payment" class="button" type="button" on:click=move |_| input.add_payment(till)>
                    {i18n.tr("pos.add_payment")}
                </button>
            </div>
            <ul id="payments" class="payments">{payment_rows}</ul>
            <dl class="basket-totals due">
                <div>
                    <dt>{i18n.tr("pos.paid")}</dt>
                    <dd id="amount-paid">{move || money(paid())}</dd>
                </div>
                <div class:done=move || { input.remaining.get() == 0 && till.total.get() > 0 }>
                    <dt>{i18n.tr("pos.remaining")}</dt>
                    <dd id="amount-due">{move || money(input.remaining.get())}</dd>
                </div>
                <div class="change-row">
                    <dt>{i18n.tr("pos.change")}</dt>
                    <dd id="change-due">{move || money(change())}</dd>
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
                node_ref=till.focus.validate
                disabled=move || !can_validate()
                on:click=move |_| validate::submit(till)
            >
                {move || {
                    if till.busy.get() {
                        i18n.t("pos.validating")
                    } else if till.unconfirmed.get() {
                        i18n.t("pos.check_sale")
                    } else {
                        i18n.t("pos.validate")
                    }
                }}
            </button>
        </section>
    }
}
