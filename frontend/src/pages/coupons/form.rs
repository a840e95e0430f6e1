//! The coupon forms: the discount fields that "Nouveau coupon" and the bulk issue share
//! (kind and value, minimum basket, description, dates, categories, stacking with the
//! loyalty discount, checked in the browser before sending), and "Nouveau coupon"
//! itself — a GENERIC code (chosen or generated) or a SPECIAL coupon for one customer,
//! picked with the `CustomerPicker`.

use chrono::NaiveDate;
use crm_api_types::{Coupon, CreateCouponRequest, Customer};
use crm_domain::coupon::{CouponKind, DiscountKind};
use crm_domain::sale::Category;
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::picker::CustomerPicker;
use super::{label, LEVELS};
use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{FormError, Msg};
use crate::format::parse_amount;
use crate::i18n::{use_i18n, I18n};

/// Today in Côte d'Ivoire (Africa/Abidjan is UTC all year), from the browser's clock.
fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        i32::try_from(now.get_utc_full_year()).unwrap_or(2026),
        now.get_utc_month() + 1,
        now.get_utc_date(),
    )
    .unwrap_or_default()
}

/// `2026-12-31`, the value of a date field.
fn iso(date: NaiveDate) -> String {
    date.format("%Y-%m-%d").to_string()
}

/// A number of FCFA or of uses typed in a form: empty = `None`, otherwise digits only.
fn optional_number(text: &str) -> Result<Option<i64>, ()> {
    if text.trim().is_empty() {
        return Ok(None);
    }
    parse_amount(text).map(Some).ok_or(())
}

/// A date field's value.
fn parse_date(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

/// The fields a coupon and a bulk issue share: the discount, the dates, the minimum
/// basket, the categories and the stacking flag.
#[derive(Clone, Copy)]
pub(super) struct DiscountFields {
    discount_kind: RwSignal<String>,
    value: RwSignal<String>,
    description: RwSignal<String>,
    from: RwSignal<String>,
    to: RwSignal<String>,
    pub(super) per_customer_cap: RwSignal<String>,
    min_basket: RwSignal<String>,
    categories: RwSignal<Vec<String>>,
    stacks: RwSignal<bool>,
}

/// The discount fields after the checks the browser can make.
pub(super) struct Discount {
    pub(super) discount_kind: String,
    pub(super) value: i64,
    pub(super) description: String,
    pub(super) valid_from: NaiveDate,
    pub(super) valid_to: NaiveDate,
    pub(super) per_customer_cap: u32,
    pub(super) min_basket: i64,
    pub(super) eligible_categories: Vec<String>,
    pub(super) stacks_with_loyalty: bool,
}

impl DiscountFields {
    pub(super) fn new() -> DiscountFields {
        let today = today();
        DiscountFields {
            discount_kind: RwSignal::new(DiscountKind::Percent.as_str().to_string()),
            value: RwSignal::new(String::new()),
            description: RwSignal::new(String::new()),
            from: RwSignal::new(iso(today)),
            to: RwSignal::new(iso(today + chrono::Days::new(30))),
            per_customer_cap: RwSignal::new("1".to_string()),
            min_basket: RwSignal::new("0".to_string()),
            categories: RwSignal::new(Vec::new()),
            stacks: RwSignal::new(true),
        }
    }

    /// The values, or the first mistake (a string key).
    pub(super) fn read(self) -> Result<Discount, &'static str> {
        let value = parse_amount(&self.value.get_untracked())
            .filter(|v| *v > 0)
            .ok_or("coupons.error.value")?;
        let valid_from = parse_date(&self.from.get_untracked()).ok_or("coupons.error.dates")?;
        let valid_to = parse_date(&self.to.get_untracked()).ok_or("coupons.error.dates")?;
        let per_customer_cap = optional_number(&self.per_customer_cap.get_untracked())
            .map_err(|()| "coupons.error.number")?
            .map_or(Ok(1), u32::try_from)
            .map_err(|_| "coupons.error.number")?;
        let min_basket = optional_number(&self.min_basket.get_untracked())
            .map_err(|()| "coupons.error.number")?
            .unwrap_or(0);
        Ok(Discount {
            discount_kind: self.discount_kind.get_untracked(),
            value,
            description: self.description.get_untracked().trim().to_string(),
            valid_from,
            valid_to,
            per_customer_cap,
            min_basket,
            eligible_categories: self.categories.get_untracked(),
            stacks_with_loyalty: self.stacks.get_untracked(),
        })
    }
}

/// Two or three exclusive choices shown side by side (radio buttons).
fn segmented(
    i18n: I18n,
    name: &'static str,
    prefix: &'static str,
    choices: &'static [&'static str],
    id_prefix: &str,
    value: RwSignal<String>,
) -> impl IntoView {
    let buttons = choices
        .iter()
        .map(|&choice| {
            let id = format!("{id_prefix}-{}", choice.to_lowercase());
            let for_id = id.clone();
            view! {
                <label class="segment" for=for_id>
                    <input
                        type="radio"
                        id=id
                        name=name
                        value=choice
                        prop:checked=move || value.get() == choice
                        on:change=move |_| value.set(choice.to_string())
                    />
                    <span>{move || label(i18n.lang(), prefix, choice)}</span>
                </label>
            }
        })
        .collect_view();
    view! { <div class="segmented" role="radiogroup">{buttons}</div> }
}

/// The discount fields, shared by the two forms; `id` prefixes the element ids.
pub(super) fn discount_fields(i18n: I18n, id: &'static str, f: DiscountFields) -> impl IntoView {
    const KINDS: &[&str] = &["PERCENT", "FIXED"];
    let unit = move || {
        if f.discount_kind.get() == DiscountKind::Percent.as_str() {
            "%"
        } else {
            "FCFA"
        }
    };
    let categories = Category::ALL
        .into_iter()
        .map(|cat| {
            let code = cat.as_str();
            let checked = move || f.categories.with(|c| c.iter().any(|x| x == code));
            view! {
                <label class="checkbox category-option">
                    <input
                        type="checkbox"
                        id=format!("{id}-cat-{}", code.to_lowercase())
                        data-category=code
                        prop:checked=checked
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            f.categories.update(|c| {
                                c.retain(|x| x != code);
                                if on {
                                    c.push(code.to_string());
                                }
                            });
                        }
                    />
                    <span>{move || label(i18n.lang(), "category", code)}</span>
                </label>
            }
        })
        .collect_view();
    view! {
        <fieldset class="form-group">
            <legend>{i18n.tr("coupons.discount")}</legend>
            {segmented(i18n, "discount_kind", "coupon.discount", KINDS, &format!("{id}-discount"), f.discount_kind)}
            <div class="grid-2">
                <label class="field">
                    <span class="field-label">{i18n.tr("coupons.value")}</span>
                    <span class="input-suffix">
                        <input
                            id=format!("{id}-value")
                            type="text"
                            inputmode="numeric"
                            autocomplete="off"
                            required=true
                            bind:value=f.value
                        />
                        <span class="suffix">{unit}</span>
                    </span>
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("coupons.min_basket")}</span>
                    <span class="input-suffix">
                        <input
                            id=format!("{id}-min-basket")
                            type="text"
                            inputmode="numeric"
                            autocomplete="off"
                            bind:value=f.min_basket
                        />
                        <span class="suffix">"FCFA"</span>
                    </span>
                </label>
            </div>
            <label class="field">
                <span class="field-label">{i18n.tr("coupons.description")}</span>
                <input
                    id=format!("{id}-description")
                    type="text"
                    maxlength="200"
                    autocomplete="off"
                    placeholder=i18n.tr("coupons.description_placeholder")
                    bind:value=f.description
                />
            </label>
        </fieldset>
        <fieldset class="form-group">
            <legend>{i18n.tr("coupons.validity")}</legend>
            <div class="grid-2">
                <label class="field">
                    <span class="field-label">{i18n.tr("sales.from")}</span>
                    <input id=format!("{id}-from") type="date" bind:value=f.from />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("sales.to")}</span>
                    <input id=format!("{id}-to") type="date" bind:value=f.to />
                </label>
            </div>
        </fieldset>
        <fieldset class="form-group">
            <legend>{i18n.tr("coupons.categories")}</legend>
            <p class="hint form-hint">{i18n.tr("coupons.categories_hint")}</p>
            <div class="category-grid">{categories}</div>
        </fieldset>
        <label class="checkbox">
            <input id=format!("{id}-stacks") type="checkbox" bind:checked=f.stacks />
            <span>{i18n.tr("coupons.stacks_label")}</span>
        </label>
    }
}

/// "Nouveau coupon".
#[component]
pub(super) fn CouponForm(on_created: Callback<Coupon>, on_cancel: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    const KINDS: &[&str] = &["GENERIC", "SPECIAL"];
    let kind = RwSignal::new(CouponKind::Generic.as_str().to_string());
    let code = RwSignal::new(String::new());
    let customer = RwSignal::new(None::<Customer>);
    let global_cap = RwSignal::new(String::new());
    let level = RwSignal::new(String::new());
    let fields = DiscountFields::new();
    let error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let first_ref = NodeRef::<html::Input>::new();
    let generic = move || kind.get() == CouponKind::Generic.as_str();

    Effect::new(move |_| {
        if let Some(input) = first_ref.get() {
            let _ = input.focus();
        }
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        error.set(None);
        field_errors.set(Vec::new());
        let d = match fields.read() {
            Ok(d) => d,
            Err(key) => {
                error.set(Some(Msg::Key(key)));
                return;
            }
        };
        let is_generic = kind.get_untracked() == CouponKind::Generic.as_str();
        let customer_id = if is_generic {
            None
        } else {
            match customer.with_untracked(|c| c.as_ref().map(|c| c.id)) {
                Some(id) => Some(id),
                None => {
                    error.set(Some(Msg::Key("coupons.error.customer")));
                    return;
                }
            }
        };
        let global_cap = match optional_number(&global_cap.get_untracked()) {
            Ok(cap) => match cap.map(u32::try_from).transpose() {
                Ok(cap) => cap,
                Err(_) => {
                    error.set(Some(Msg::Key("coupons.error.number")));
                    return;
                }
            },
            Err(()) => {
                error.set(Some(Msg::Key("coupons.error.number")));
                return;
            }
        };
        let typed_code = code.get_untracked().trim().to_string();
        let request = CreateCouponRequest {
            kind: kind.get_untracked(),
            code: (is_generic && !typed_code.is_empty()).then_some(typed_code),
            discount_kind: d.discount_kind,
            value: d.value,
            description: d.description,
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            global_cap,
            per_customer_cap: d.per_customer_cap,
            min_basket: d.min_basket,
            required_level: Some(level.get_untracked()).filter(|l| !l.is_empty()),
            customer_id,
            eligible_categories: d.eligible_categories,
            stacks_with_loyalty: d.stacks_with_loyalty,
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::create_coupon(auth, &request).await;
            busy.try_set(false);
            match result {
                Ok(c) => on_created.run(c),
                Err(e) => {
                    if let ApiError::Problem(p) = &e {
                        field_errors.try_set(p.errors.iter().map(|f| f.message.clone()).collect());
                    }
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let level_options = move || {
        let lang = i18n.lang();
        LEVELS
            .into_iter()
            .map(|l| {
                view! {
                    <option value=l selected=move || level.get() == l>
                        {label(lang, "level", l)}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <form id="coupon-form" class="form coupon-form" novalidate=true on:submit=submit>
            <fieldset class="form-group">
                <legend>{i18n.tr("coupons.kind")}</legend>
                {segmented(i18n, "kind", "coupon.kind", KINDS, "coupon-kind", kind)}
                <Show
                    when=generic
                    fallback=move || {
                        view! {
                            <CustomerPicker chosen=customer />
                            <span class="hint form-hint">{i18n.tr("coupons.special_hint")}</span>
                        }
                    }
                >
                    <label class="field">
                        <span class="field-label">{i18n.tr("coupons.vanity_code")}</span>
                        <input
                            id="coupon-form-code"
                            type="text"
                            autocomplete="off"
                            autocapitalize="characters"
                            spellcheck="false"
                            maxlength="32"
                            class="input-code"
                            placeholder="NOEL2026"
                            node_ref=first_ref
                            bind:value=code
                        />
                        <span class="hint form-hint">{i18n.tr("coupons.vanity_hint")}</span>
                    </label>
                </Show>
            </fieldset>
            {discount_fields(i18n, "coupon-form", fields)}
            <fieldset class="form-group">
                <legend>{i18n.tr("coupons.conditions")}</legend>
                <div class="grid-3">
                    <label class="field">
                        <span class="field-label">{i18n.tr("coupons.global_cap")}</span>
                        <input
                            id="coupon-form-global-cap"
                            type="text"
                            inputmode="numeric"
                            autocomplete="off"
                            placeholder=i18n.tr("coupons.unlimited")
                            bind:value=global_cap
                        />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("coupons.customer_cap")}</span>
                        <input
                            id="coupon-form-customer-cap"
                            type="text"
                            inputmode="numeric"
                            autocomplete="off"
                            bind:value=fields.per_customer_cap
                        />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("coupons.level")}</span>
                        <select
                            id="coupon-form-level"
                            prop:value=move || level.get()
                            on:change=move |ev| level.set(event_target_value(&ev))
                        >
                            <option value="">{i18n.tr("coupons.any_level")}</option>
                            {level_options}
                        </select>
                    </label>
                </div>
            </fieldset>
            <FormError id="coupon-form-error" error=error field_errors=field_errors />
            <div class="actions form-actions">
                <button id="coupon-form-submit" class="button button-primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.t("pos.creating") } else { i18n.t("coupons.create") }}
                </button>
                <button class="button button-ghost" type="button" on:click=move |_| on_cancel.run(())>
                    {i18n.tr("pos.cancel")}
                </button>
            </div>
        </form>
    }
}
