//! `/caisse`: identify the customer by phone (left), then the basket, payments and receipt
//! (right, see [`super::checkout`]).
//!
//! Keyboard only: the phone field has the focus; Enter identifies and hands over to the
//! scan field (Enter on an empty phone: anonymous sale); an unknown number opens the
//! "Nouveau client" form (Enter creates); Escape clears the number typed (or closes that
//! form) but never drops an identified customer: that takes "Changer de client" and a
//! confirmation. A barcode scanned into the phone field goes to the basket.
//! The identified customer's usable coupons are listed on their card: a click or Alt+1…9
//! (the digit row or the keypad, whatever the keyboard layout) applies one to the sale.

use crm_api_types::{AvailableCoupon, CreateCustomerRequest, CustomerProfile, FieldError};
use crm_domain::coupon::DiscountKind;
use crm_domain::money::group_thousands;
use leptos::ev::{KeyboardEvent, SubmitEvent};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{FormError, Msg};
use crate::format::{level_key, money, trim_decimal};
use crate::i18n::{use_i18n, I18n};
use crate::pages::checkout::{self, Checkout, CheckoutState};

/// What the customer panel shows under the phone field.
#[derive(Clone, Debug, PartialEq)]
enum Panel {
    /// Nobody identified: anonymous sale.
    Empty,
    /// The identified customer.
    Profile(Box<CustomerProfile>),
    /// The number is unknown: offer to create the customer.
    NewCustomer(String),
}

/// The till screen.
#[component]
pub fn PosPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();

    let phone = RwSignal::new(String::new());
    // A sale left unconfirmed by a reload comes back with its customer.
    let panel = RwSignal::new(
        checkout::pending_customer(auth).map_or(Panel::Empty, |p| Panel::Profile(Box::new(p))),
    );
    let error = RwSignal::new(None::<Msg>);
    let busy = RwSignal::new(false);
    let phone_ref = NodeRef::<html::Input>::new();
    let barcode_ref = NodeRef::<html::Input>::new();
    let checkout = CheckoutState::new();

    let focus_phone = move || {
        if let Some(input) = phone_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    // After the customer step, the scan field (or "Nouvelle vente" on a receipt).
    let focus_basket = move || match barcode_ref.get_untracked() {
        Some(input) => {
            let _ = input.focus();
        }
        None => focus_phone(),
    };
    // A customer identified while the last receipt is still shown starts the next sale.
    let next_sale_if_done = move || {
        if checkout.receipt_shown_untracked() {
            checkout.reset();
        }
    };

    // Focus the phone field as soon as it is on the page.
    Effect::new(move |_| {
        if let Some(input) = phone_ref.get() {
            let _ = input.focus();
        }
    });

    let clear = move || {
        phone.set(String::new());
        panel.set(Panel::Empty);
        error.set(None);
        focus_phone();
    };

    // Escape, wherever the focus is (unless a field used it): the number typed goes, the
    // "Nouveau client" form closes; an identified customer stays.
    let escape = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && !ev.default_prevented() {
            ev.prevent_default();
            phone.set(String::new());
            error.set(None);
            if matches!(panel.get_untracked(), Panel::NewCustomer(_)) {
                panel.set(Panel::Empty);
            }
            focus_phone();
        }
    });
    on_cleanup(move || escape.remove());

    // One of the customer's coupons onto the sale (a receipt on screen: the next sale).
    let apply_coupon = Callback::new(move |code: String| {
        next_sale_if_done();
        checkout.apply_coupon(&code);
        focus_basket();
    });
    // Alt+1…9: the customer's coupon of that number.
    let coupon_keys = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if !ev.alt_key() || ev.ctrl_key() || ev.meta_key() || ev.default_prevented() {
            return;
        }
        let Some(n) = coupon_digit(&ev.code()) else {
            return;
        };
        let code = panel.with_untracked(|p| match p {
            Panel::Profile(p) => p.available_coupons.get(n - 1).map(|c| c.code.clone()),
            _ => None,
        });
        if let Some(code) = code {
            ev.prevent_default();
            apply_coupon.run(code);
        }
    });
    on_cleanup(move || coupon_keys.remove());
    let applied = Signal::derive(move || checkout.applied_code());

    let on_identify = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let number = phone.get_untracked().trim().to_string();
        error.set(None);
        if is_scanned_barcode(&number) {
            // The scanner fired into the phone field: the product goes to the basket.
            phone.set(String::new());
            checkout.scan(number);
            focus_basket();
            return;
        }
        if checkout.locked_untracked() {
            error.set(Some(Msg::Key("pos.locked")));
            return;
        }
        if number.is_empty() {
            // No number: anonymous sale, straight to the basket.
            if matches!(panel.get_untracked(), Panel::NewCustomer(_)) {
                panel.set(Panel::Empty);
            }
            focus_basket();
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::identify(auth, number.clone()).await;
            busy.set(false);
            match result {
                Ok(profile) => {
                    next_sale_if_done();
                    panel.set(Panel::Profile(Box::new(profile)));
                    focus_basket();
                }
                Err(e) if is_not_found(&e) => panel.set(Panel::NewCustomer(number)),
                Err(e) => {
                    panel.set(Panel::Empty);
                    error.set(Some(Msg::Api(e)));
                    focus_phone();
                }
            }
        });
    };

    let on_created = Callback::new(move |profile: CustomerProfile| {
        next_sale_if_done();
        panel.set(Panel::Profile(Box::new(profile)));
        focus_basket();
    });
    let on_cancel = Callback::new(move |()| clear());
    // "Changer de client", confirmed: the sale goes on anonymous.
    let on_leave = Callback::new(move |()| {
        if checkout.locked_untracked() {
            error.set(Some(Msg::Key("pos.locked")));
            return;
        }
        clear();
    });
    // The sale's answer carries the customer's new points balance.
    Effect::new(move |_| {
        let Some(bought) = checkout.receipt().and_then(|r| r.customer) else {
            return;
        };
        panel.update(|p| {
            if let Panel::Profile(profile) = p {
                if profile.customer.id == bought.id {
                    profile.loyalty.points = bought.points_balance;
                    profile.customer.points = bought.points_balance;
                }
            }
        });
    });
    let on_new_sale = Callback::new(move |()| {
        checkout.reset();
        clear();
    });
    let customer = Signal::derive(move || match &*panel.read() {
        Panel::Profile(p) => Some((**p).clone()),
        _ => None,
    });

    let panel_view = move || match panel.get() {
        Panel::Empty => view! {
            <p class="anonymous" id="anonymous-sale">
                <span class="dot" aria-hidden="true"></span>
                {i18n.tr("pos.anonymous")}
            </p>
        }
        .into_any(),
        Panel::Profile(profile) => {
            profile_card(i18n, *profile, applied, apply_coupon, on_leave).into_any()
        }
        Panel::NewCustomer(number) => view! {
            <NewCustomerForm phone=number on_created=on_created on_cancel=on_cancel />
        }
        .into_any(),
    };

    view! {
        <div class="page pos" data-page="caisse">
            <section class="pos-customer" aria-labelledby="pos-identify-title">
                <checkout::TillChoice />
                <div class="card">
                    <h1 id="pos-identify-title" class="card-title">{i18n.tr("pos.identify")}</h1>
                    <form class="identify-form" on:submit=on_identify novalidate=true>
                        <label class="field" for="phone">
                            <span class="field-label">{i18n.tr("pos.phone")}</span>
                        </label>
                        <div class="input-row">
                            <input
                                id="phone"
                                name="phone"
                                type="tel"
                                inputmode="tel"
                                autocomplete="off"
                                class="input-lg"
                                placeholder=i18n.tr("pos.phone_placeholder")
                                aria-invalid=move || if error.with(Option::is_some) { "true" } else { "false" }
                                aria-describedby="identify-error pos-hint"
                                node_ref=phone_ref
                                bind:value=phone
                            />
                            <button class="button button-primary" type="submit" disabled=move || busy.get()>
                                {move || {
                                    if busy.get() { i18n.t("pos.searching") } else { i18n.t("pos.identify_button") }
                                }}
                            </button>
                        </div>
                        <Show when=move || error.with(Option::is_some)>
                            <p id="identify-error" class="form-error" role="alert">
                                {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                            </p>
                        </Show>
                        <p id="pos-hint" class="hint">{i18n.tr("pos.hint")}</p>
                    </form>
                </div>
                <div class="pos-panel">{panel_view}</div>
            </section>
            <Checkout
                state=checkout
                customer=customer
                barcode_ref=barcode_ref
                on_new_sale=on_new_sale
            />
        </div>
    }
}

/// `Digit3` / `Numpad3` → 3 (the physical key: on AZERTY the digit row types `&é"'…`).
fn coupon_digit(code: &str) -> Option<usize> {
    let digit = code
        .strip_prefix("Digit")
        .or_else(|| code.strip_prefix("Numpad"))?;
    match digit.parse::<usize>() {
        Ok(n @ 1..=9) => Some(n),
        _ => None,
    }
}

/// 13 digits with a valid EAN-13 check digit that are not a phone number in international
/// form (`225…`): a product scanned into the phone field.
fn is_scanned_barcode(text: &str) -> bool {
    crm_domain::barcode::is_ean13(text) && !text.starts_with("225")
}

fn is_not_found(error: &ApiError) -> bool {
    error.code() == Some(crm_domain::codes::CUSTOMER_NOT_FOUND) || error.status() == Some(404)
}

/// The identified customer's card.
fn profile_card(
    i18n: I18n,
    profile: CustomerProfile,
    applied: Signal<Option<String>>,
    apply: Callback<String>,
    leave: Callback<()>,
) -> impl IntoView {
    let CustomerProfile {
        customer,
        loyalty,
        available_coupons,
    } = profile;
    let name = full_name(
        customer.first_name.as_deref(),
        customer.last_name.as_deref(),
    );
    let has_name = !name.is_empty();
    let level = loyalty.level;
    let points = group_thousands(loyalty.points);
    let discount = format!("{}\u{a0}%", trim_decimal(&loyalty.discount_percent));
    let spend = money(customer.lifetime_spend);
    let purchases = group_thousands(customer.purchases_count);
    let coupons = if available_coupons.is_empty() {
        view! { <p class="empty">{i18n.tr("pos.no_coupons")}</p> }.into_any()
    } else {
        view! {
            <ul class="coupon-list">
                {available_coupons
                    .into_iter()
                    .enumerate()
                    .map(|(i, c)| coupon_item(i18n, i + 1, c, applied, apply))
                    .collect_view()}
            </ul>
            <p class="hint">{i18n.tr("pos.coupons_hint")}</p>
        }
        .into_any()
    };
    view! {
        <article id="customer-profile" class="card profile" data-level=level.as_str()>
            <header class="profile-head">
                <div class="profile-id">
                    <h2 id="customer-name" class="profile-name">
                        {move || if has_name { name.clone() } else { i18n.t("pos.unnamed").to_string() }}
                    </h2>
                    <p class="profile-meta">
                        <span class="muted">{i18n.tr("pos.customer_number")} " "</span>
                        <span id="customer-number" class="mono">{customer.customer_number}</span>
                        // The phone on a line of its own, its label and masked number
                        // together: beside the number it wrapped with a stray separator.
                        <br/>
                        <span class="nowrap">
                            <span class="muted">{i18n.tr("pos.phone_label")} " "</span>
                            <span id="customer-phone" class="mono">{customer.phone}</span>
                        </span>
                    </p>
                </div>
                <span
                    id="customer-level"
                    class=format!("badge level level-{}", level.as_str().to_lowercase())
                    title=i18n.tr("pos.level")
                >
                    {i18n.tr(level_key(level))}
                </span>
            </header>
            <dl class="stats">
                <div class="stat">
                    <dt>{i18n.tr("pos.points")}</dt>
                    <dd id="customer-points">{points}</dd>
                </div>
                <div class="stat stat-accent">
                    <dt>{i18n.tr("pos.discount")}</dt>
                    <dd id="customer-discount">{discount}</dd>
                </div>
                <div class="stat">
                    <dt>{i18n.tr("pos.lifetime_spend")}</dt>
                    <dd>{spend}</dd>
                </div>
                <div class="stat">
                    <dt>{i18n.tr("pos.purchases")}</dt>
                    <dd>{purchases}</dd>
                </div>
            </dl>
            <section class="coupons">
                <h3>{i18n.tr("pos.coupons")}</h3>
                <div id="customer-coupons">{coupons}</div>
            </section>
            <LeaveCustomer leave=leave />
        </article>
    }
}

/// "Changer de client": asks before the sale loses its customer (discount and points).
#[component]
fn LeaveCustomer(leave: Callback<()>) -> impl IntoView {
    let i18n = use_i18n();
    let asking = RwSignal::new(false);
    let confirm_ref = NodeRef::<html::Button>::new();
    Effect::new(move |_| {
        if let Some(button) = confirm_ref.get() {
            let _ = button.focus();
        }
    });
    view! {
        <Show
            when=move || asking.get()
            fallback=move || {
                view! {
                    <button
                        id="change-customer"
                        class="button button-ghost"
                        type="button"
                        on:click=move |_| asking.set(true)
                    >
                        {i18n.tr("pos.change_customer")}
                    </button>
                }
            }
        >
            // Escape here answers "no" (and goes no further: the customer stays).
            <div
                id="change-customer-confirm"
                class="confirm"
                role="alertdialog"
                aria-labelledby="change-customer-question"
                on:keydown=move |ev: KeyboardEvent| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        asking.set(false);
                    }
                }
            >
                <p id="change-customer-question">{i18n.tr("pos.change_customer_question")}</p>
                <div class="actions">
                    <button
                        id="change-customer-yes"
                        class="button button-danger"
                        type="button"
                        node_ref=confirm_ref
                        on:click=move |_| {
                            asking.set(false);
                            leave.run(());
                        }
                    >
                        {i18n.tr("pos.change_customer_yes")}
                    </button>
                    <button
                        id="change-customer-no"
                        class="button"
                        type="button"
                        on:click=move |_| asking.set(false)
                    >
                        {i18n.tr("pos.change_customer_no")}
                    </button>
                </div>
            </div>
        </Show>
    }
}

/// One usable coupon: a button that applies it (Alt+`number` for the first nine).
fn coupon_item(
    i18n: I18n,
    number: usize,
    coupon: AvailableCoupon,
    applied: Signal<Option<String>>,
    apply: Callback<String>,
) -> impl IntoView {
    let valid_to = coupon.valid_to.format("%d/%m/%Y").to_string();
    let code = coupon.code.clone();
    let is_applied = {
        let code = code.clone();
        move || applied.with(|a| a.as_deref() == Some(code.as_str()))
    };
    let value = match coupon.discount_kind {
        DiscountKind::Percent => format!("−{}\u{a0}%", coupon.value),
        DiscountKind::Fixed => format!("−{}", money(coupon.value)),
    };
    let min_basket = coupon.min_basket;
    let key = (number <= 9).then(|| format!("Alt+{number}"));
    let shortcut = key.clone().unwrap_or_default();
    let pick = code.clone();
    view! {
        <li>
            <button
                type="button"
                id=format!("coupon-apply-{number}")
                class="coupon coupon-apply"
                class:applied=is_applied.clone()
                aria-pressed=move || if is_applied() { "true" } else { "false" }
                aria-keyshortcuts=shortcut
                data-code=code
                on:click=move |_| apply.run(pick.clone())
            >
                <code class="coupon-code">{coupon.code}</code>
                <span class="coupon-main">
                    <span class="coupon-desc">{coupon.description}</span>
                    <span class="coupon-date muted">
                        {i18n.tr("pos.valid_until")} " " {valid_to}
                        {(min_basket > 0)
                            .then(|| {
                                view! {
                                    " · " {i18n.tr("pos.coupon_min")} " " {money(min_basket)}
                                }
                            })}
                    </span>
                </span>
                <span class="coupon-value">{value}</span>
                {key.map(|k| view! { <kbd class="key">{k}</kbd> })}
            </button>
        </li>
    }
}

/// "Nouveau client": the number is unknown.
#[component]
fn NewCustomerForm(
    phone: String,
    on_created: Callback<CustomerProfile>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let shown_phone = phone.clone();
    let phone = StoredValue::new(phone);
    let first_name = RwSignal::new(String::new());
    let last_name = RwSignal::new(String::new());
    let email = RwSignal::new(String::new());
    let sms_consent = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    // Each field's error sits under it; the alert above only says to look there.
    let field_errors = RwSignal::new(Vec::<FieldError>::new());
    let no_list = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let first_ref = NodeRef::<html::Input>::new();
    let last_ref = NodeRef::<html::Input>::new();
    let email_ref = NodeRef::<html::Input>::new();
    let message_for = move |field: &'static str| {
        move || {
            field_errors.with(|errors| {
                errors
                    .iter()
                    .find(|e| e.field == field)
                    .map(|e| e.message.clone())
            })
        }
    };
    let invalid = move |field: &'static str| {
        move || {
            let wrong = field_errors.with(|errors| errors.iter().any(|e| e.field == field));
            if wrong {
                "true"
            } else {
                "false"
            }
        }
    };

    Effect::new(move |_| {
        if let Some(input) = first_ref.get() {
            let _ = input.focus();
        }
    });

    let submit = move || {
        if busy.get_untracked() {
            return;
        }
        let request = CreateCustomerRequest {
            phone: phone.get_value(),
            first_name: non_empty(first_name.get_untracked()),
            last_name: non_empty(last_name.get_untracked()),
            email: non_empty(email.get_untracked()),
            sms_consent: Some(sms_consent.get_untracked()),
        };
        busy.set(true);
        error.set(None);
        field_errors.set(Vec::new());
        spawn_local(async move {
            let result = api::create_customer(auth, request).await;
            busy.set(false);
            match result {
                Ok(profile) => on_created.run(profile),
                Err(e) => {
                    let errors = match &e {
                        ApiError::Problem(p) => p.errors.clone(),
                        _ => Vec::new(),
                    };
                    let on_form = !errors.is_empty()
                        && errors
                            .iter()
                            .all(|f| FORM_FIELDS.contains(&f.field.as_str()));
                    // The first wrong field, in the form's order, takes the focus.
                    let first_wrong = FORM_FIELDS
                        .iter()
                        .position(|name| errors.iter().any(|f| f.field == *name));
                    error.set(Some(if on_form {
                        Msg::Key("pos.fix_fields")
                    } else {
                        Msg::Api(e)
                    }));
                    field_errors.set(errors);
                    let input = match first_wrong {
                        Some(1) => last_ref.get_untracked(),
                        Some(2) => email_ref.get_untracked(),
                        _ => first_ref.get_untracked(),
                    };
                    if let Some(input) = input {
                        let _ = input.focus();
                    }
                }
            }
        });
    };

    // Enter on the checkbox submits too (browsers only do it for text fields).
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() != "Enter" {
            return;
        }
        let on_checkbox = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
            .is_some_and(|input| input.type_() == "checkbox");
        if on_checkbox {
            ev.prevent_default();
            submit();
        }
    };

    view! {
        <form
            id="new-customer-form"
            class="card new-customer"
            novalidate=true
            on:submit=move |ev: SubmitEvent| {
                ev.prevent_default();
                submit();
            }
            on:keydown=on_keydown
        >
            <h2 class="card-title">
                {i18n.tr("pos.new_customer")}
                <span class="badge badge-new">{shown_phone}</span>
            </h2>
            <p class="muted">{i18n.tr("pos.new_customer_intro")}</p>
            <div class="grid-2">
                <label class="field">
                    <span class="field-label">{i18n.tr("pos.first_name")}</span>
                    <input
                        id="first-name"
                        name="first_name"
                        type="text"
                        autocomplete="off"
                        node_ref=first_ref
                        aria-invalid=invalid("first_name")
                        aria-describedby="first-name-error"
                        bind:value=first_name
                    />
                    <FieldMessage id="first-name-error" message=Signal::derive(message_for("first_name")) />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("pos.last_name")}</span>
                    <input
                        id="last-name"
                        name="last_name"
                        type="text"
                        autocomplete="off"
                        node_ref=last_ref
                        aria-invalid=invalid("last_name")
                        aria-describedby="last-name-error"
                        bind:value=last_name
                    />
                    <FieldMessage id="last-name-error" message=Signal::derive(message_for("last_name")) />
                </label>
            </div>
            <label class="field">
                <span class="field-label">{i18n.tr("pos.email")}</span>
                <input
                    id="email"
                    name="email"
                    type="email"
                    autocomplete="off"
                    node_ref=email_ref
                    aria-invalid=invalid("email")
                    aria-describedby="email-error"
                    bind:value=email
                />
                <FieldMessage id="email-error" message=Signal::derive(message_for("email")) />
            </label>
            <label class="checkbox">
                <input id="sms-consent" name="sms_consent" type="checkbox" bind:checked=sms_consent />
                <span>{i18n.tr("pos.sms_consent")}</span>
            </label>
            <FormError id="new-customer-error" error=error field_errors=no_list />
            <div class="actions">
                <button id="create-customer" class="button button-primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.t("pos.creating") } else { i18n.t("pos.create") }}
                </button>
                <button class="button button-ghost" type="button" on:click=move |_| on_cancel.run(())>
                    {i18n.tr("pos.cancel")}
                </button>
            </div>
        </form>
    }
}

/// The fields of "Nouveau client", in their order on screen (the API's names).
const FORM_FIELDS: [&str; 3] = ["first_name", "last_name", "email"];

/// A field's error, under it (nothing while it is valid).
#[component]
fn FieldMessage(id: &'static str, message: Signal<Option<String>>) -> impl IntoView {
    view! {
        <Show when=move || message.with(Option::is_some)>
            <span id=id class="field-error" role="alert">
                {move || message.get().unwrap_or_default()}
            </span>
        </Show>
    }
}

fn non_empty(value: String) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_string())
}

/// `Aya Kouassi`: the names given, trimmed, joined by a space.
pub(crate) fn full_name(first: Option<&str>, last: Option<&str>) -> String {
    [first, last]
        .into_iter()
        .flatten()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}
