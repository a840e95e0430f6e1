//! The profile section of the customer page: the customer's details, and for marketing
//! and admins a form to change them (`PATCH /customers/{id}`, audited with before/after).
//! Only the fields changed are sent; an erased customer's profile cannot be edited.

use crm_api_types::{Customer, UpdateCustomerRequest};
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{FormError, Msg};
use crate::format::{date_time, money};
use crate::i18n::use_i18n;

/// `Some(new)` when the typed text differs from the stored value (trimmed; a field left
/// empty leaves the value alone: the API has no "clear" for names).
fn changed(typed: &str, stored: Option<&str>) -> Option<String> {
    let typed = typed.trim();
    (!typed.is_empty() && Some(typed) != stored.map(str::trim)).then(|| typed.to_owned())
}

/// The edit form's fields as typed.
pub(super) struct Typed<'a> {
    pub first_name: &'a str,
    pub last_name: &'a str,
    pub email: &'a str,
    pub city: &'a str,
    /// `AAAA-MM-JJ`, as a date input gives it; empty leaves the date alone.
    pub birth_date: &'a str,
    pub sms_consent: bool,
    pub email_consent: bool,
}

/// What the form asks to change, from the customer as loaded and the fields as typed.
pub(super) fn changes(c: &Customer, typed: &Typed<'_>) -> UpdateCustomerRequest {
    let birth_date = chrono::NaiveDate::parse_from_str(typed.birth_date.trim(), "%Y-%m-%d").ok();
    UpdateCustomerRequest {
        first_name: changed(typed.first_name, c.first_name.as_deref()),
        last_name: changed(typed.last_name, c.last_name.as_deref()),
        email: changed(typed.email, c.email.as_deref()),
        city: changed(typed.city, Some(&c.city)),
        birth_date: birth_date.filter(|d| Some(*d) != c.birth_date),
        sms_consent: (typed.sms_consent != c.sms_consent).then_some(typed.sms_consent),
        email_consent: (typed.email_consent != c.email_consent).then_some(typed.email_consent),
        active: None,
    }
}

/// The details, and the edit form when `writer`.
#[component]
pub(super) fn Profile(
    customer: Customer,
    writer: bool,
    /// Called with the customer as saved.
    on_saved: Callback<Customer>,
) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(false);
    let c = StoredValue::new(customer);
    let yes_no = move |v: bool| {
        if v {
            i18n.t("customers.consent_yes")
        } else {
            i18n.t("customers.consent_no")
        }
    };
    let row = move |label: &'static str, id: &'static str, value: String| {
        view! {
            <div class="fact">
                <dt>{i18n.tr(label)}</dt>
                <dd id=id>{value}</dd>
            </div>
        }
    };
    let details = move || {
        let c = c.get_value();
        let dash = |v: Option<String>| {
            v.filter(|s| !s.is_empty())
                .unwrap_or_else(|| "—".to_owned())
        };
        view! {
            <dl class="facts" id="customer-details">
                {row("customers.first_name", "customer-first-name", dash(c.first_name.clone()))}
                {row("customers.last_name", "customer-last-name", dash(c.last_name.clone()))}
                {row("customers.phone", "customer-phone", dash(Some(c.phone.clone())))}
                {row("customers.email", "customer-email", dash(c.email.clone()))}
                {row("customers.city", "customer-city", c.city.clone())}
                {row("customers.birth_date", "customer-birth-date", dash(c.birth_date.map(|d| d.format("%d/%m/%Y").to_string())))}
                {row("customers.points", "customer-points", c.points.to_string())}
                {row("customers.spend", "customer-spend", money(c.lifetime_spend))}
                {row("customers.purchases", "customer-purchases-count", c.purchases_count.to_string())}
                {row("customers.registered", "customer-registered", date_time(c.registered_at))}
                {row("customers.last_visit", "customer-last-visit", dash(c.last_visit_at.map(date_time)))}
                {row("customers.sms", "customer-sms", yes_no(c.sms_consent).to_owned())}
                {row("customers.email_consent", "customer-email-consent", yes_no(c.email_consent).to_owned())}
            </dl>
        }
    };
    let can_edit = move || writer && !c.with_value(|c| c.erased);
    view! {
        <Show
            when=move || editing.get()
            fallback=move || {
                view! {
                    {details}
                    <Show when=can_edit>
                        <div class="actions">
                            <button id="customer-edit" class="button" type="button" on:click=move |_| editing.set(true)>
                                {i18n.tr("customers.edit")}
                            </button>
                        </div>
                    </Show>
                }
            }
        >
            <EditForm
                customer=c.get_value()
                on_saved=Callback::new(move |saved: Customer| {
                    c.set_value(saved.clone());
                    editing.set(false);
                    on_saved.run(saved);
                })
                on_cancel=Callback::new(move |()| editing.set(false))
            />
        </Show>
    }
}

/// The edit form; Entrée saves, the first field has the focus.
#[component]
fn EditForm(
    customer: Customer,
    on_saved: Callback<Customer>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let id = customer.id;
    let first_name = RwSignal::new(customer.first_name.clone().unwrap_or_default());
    let last_name = RwSignal::new(customer.last_name.clone().unwrap_or_default());
    let email = RwSignal::new(customer.email.clone().unwrap_or_default());
    let city = RwSignal::new(customer.city.clone());
    let birth_date = RwSignal::new(
        customer
            .birth_date
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default(),
    );
    let sms = RwSignal::new(customer.sms_consent);
    let email_ok = RwSignal::new(customer.email_consent);
    let error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let first_ref = NodeRef::<html::Input>::new();
    let original = StoredValue::new(customer);

    Effect::new(move |_| {
        if let Some(input) = first_ref.get() {
            let _ = input.focus();
        }
    });

    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (first, last, mail, town, born) = (
            first_name.get_untracked(),
            last_name.get_untracked(),
            email.get_untracked(),
            city.get_untracked(),
            birth_date.get_untracked(),
        );
        let typed = Typed {
            first_name: &first,
            last_name: &last,
            email: &mail,
            city: &town,
            birth_date: &born,
            sms_consent: sms.get_untracked(),
            email_consent: email_ok.get_untracked(),
        };
        let request = original.with_value(|c| changes(c, &typed));
        error.set(None);
        field_errors.set(Vec::new());
        busy.set(true);
        spawn_local(async move {
            let result = api::update_customer(auth, id, &request).await;
            busy.try_set(false);
            match result {
                Ok(saved) => on_saved.run(saved),
                Err(e) => {
                    if let ApiError::Problem(p) = &e {
                        field_errors.try_set(p.errors.iter().map(|f| f.message.clone()).collect());
                    }
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let text_field = move |id: &'static str,
                           label: &'static str,
                           value: RwSignal<String>,
                           kind: &'static str| {
        view! {
            <label class="field">
                <span class="field-label">{i18n.tr(label)}</span>
                <input
                    id=id
                    type=kind
                    autocomplete="off"
                    prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev))
                />
            </label>
        }
    };
    view! {
        <form id="customer-form" class="form-grid" on:submit=submit>
            <label class="field">
                <span class="field-label">{i18n.tr("customers.first_name")}</span>
                <input
                    id="customer-form-first-name"
                    type="text"
                    autocomplete="off"
                    node_ref=first_ref
                    prop:value=move || first_name.get()
                    on:input=move |ev| first_name.set(event_target_value(&ev))
                />
            </label>
            {text_field("customer-form-last-name", "customers.last_name", last_name, "text")}
            {text_field("customer-form-email", "customers.email", email, "email")}
            {text_field("customer-form-city", "customers.city", city, "text")}
            {text_field("customer-form-birth-date", "customers.birth_date", birth_date, "date")}
            <label class="field field-check">
                <input
                    id="customer-form-sms"
                    type="checkbox"
                    prop:checked=move || sms.get()
                    on:change=move |ev| sms.set(event_target_checked(&ev))
                />
                <span>{i18n.tr("customers.sms_consent")}</span>
            </label>
            <label class="field field-check">
                <input
                    id="customer-form-email-consent"
                    type="checkbox"
                    prop:checked=move || email_ok.get()
                    on:change=move |ev| email_ok.set(event_target_checked(&ev))
                />
                <span>{i18n.tr("customers.email_consent_label")}</span>
            </label>
            <FormError id="customer-form-error" error=error field_errors=field_errors />
            <div class="actions form-actions">
                <button id="customer-form-save" class="button button-primary" type="submit" disabled=move || busy.get()>
                    {move || if busy.get() { i18n.t("customers.saving") } else { i18n.t("customers.save") }}
                </button>
                <button class="button button-ghost" type="button" on:click=move |_| on_cancel.run(())>
                    {i18n.tr("customers.cancel")}
                </button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aya() -> Customer {
        serde_json::from_value(serde_json::json!({"id": 1, "customer_number": "CLT0000001",
            "phone": "07 01 23 45 67", "phone_masked": false, "first_name": "Aya", "last_name": "Kouassi",
            "email": null, "city": "Abidjan", "birth_date": null, "level": "GOLD", "points": 0,
            "lifetime_spend": 0, "purchases_count": 0, "registered_at": "2026-01-01T00:00:00Z",
            "last_visit_at": null, "active": true, "sms_consent": false, "email_consent": false,
            "home_store_id": null, "erased": false}))
        .unwrap()
    }

    fn typed<'a>(
        email: &'a str,
        city: &'a str,
        birth_date: &'a str,
        sms_consent: bool,
    ) -> Typed<'a> {
        Typed {
            first_name: "Aya",
            last_name: " Kouassi ",
            email,
            city,
            birth_date,
            sms_consent,
            email_consent: false,
        }
    }

    #[test]
    fn only_what_changed_is_sent() {
        let c = aya();
        let none = changes(&c, &typed("", "Abidjan", "", false));
        assert_eq!(none.first_name, None);
        assert_eq!(none.last_name, None);
        assert_eq!(none.email, None);
        assert_eq!(none.city, None);
        assert_eq!(none.birth_date, None);
        assert_eq!(none.sms_consent, None);
        let some = changes(&c, &typed("aya@example.ci", "Bouaké", "1990-04-17", true));
        assert_eq!(some.email.as_deref(), Some("aya@example.ci"));
        assert_eq!(some.city.as_deref(), Some("Bouaké"));
        assert_eq!(
            some.birth_date,
            chrono::NaiveDate::from_ymd_opt(1990, 4, 17)
        );
        assert_eq!(some.sms_consent, Some(true));
        assert_eq!(some.email_consent, None);
        // The date already held is not sent again.
        let mut born = aya();
        born.birth_date = chrono::NaiveDate::from_ymd_opt(1990, 4, 17);
        assert_eq!(
            changes(&born, &typed("", "Abidjan", "1990-04-17", false)).birth_date,
            None
        );
    }
}
