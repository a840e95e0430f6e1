//! "Politique de fidélité": the points of each criterion (their sum shown as it is
//! typed, 100 needed), the level thresholds, the loyalty discounts, the congratulation
//! coupons and the soft landing. An admin edits and saves it (checked first by
//! `LoyaltyPolicy::validate`, the server's own rule; the server's 422 is shown beside the
//! form); marketing and the director read it.

use crm_domain::loyalty::LoyaltyPolicy;
use crm_domain::Capability;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::policy_form::{Field, PolicyProblem, PolicyText};
use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{FormError, Msg};
use crate::i18n::{use_i18n, I18n};

/// What the form shares with its fields.
#[derive(Clone, Copy)]
struct Form {
    text: RwSignal<Option<PolicyText>>,
    problem: RwSignal<Option<PolicyProblem>>,
    editable: Memo<bool>,
}

/// The page.
#[component]
pub fn PolicyPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let form = Form {
        text: RwSignal::new(None),
        problem: RwSignal::new(None),
        editable: Memo::new(move |_| {
            auth.role()
                .is_some_and(|r| r.grants(Capability::AdminWrite))
        }),
    };
    let load_error = RwSignal::new(None::<Msg>);
    let save_error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());
    let saved = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let reload = RwSignal::new(0u32);

    let load = move || {
        spawn_local(async move {
            match api::loyalty_policy(auth).await {
                Ok(policy) => {
                    load_error.try_set(None);
                    form.text.try_set(Some(PolicyText::of(&policy)));
                }
                Err(e) => {
                    load_error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    Effect::new(move |_| {
        reload.track();
        load();
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() || !form.editable.get_untracked() {
            return;
        }
        saved.set(false);
        save_error.set(None);
        field_errors.set(Vec::new());
        let Some(text) = form.text.get_untracked() else {
            return;
        };
        let policy = match text.read() {
            Ok(p) => p,
            Err(problem) => {
                form.problem.set(Some(problem));
                return;
            }
        };
        form.problem.set(None);
        busy.set(true);
        spawn_local(async move {
            let result = save(auth, &policy).await;
            busy.try_set(false);
            match result {
                Ok(kept) => {
                    form.text.try_set(Some(PolicyText::of(&kept)));
                    saved.try_set(true);
                }
                Err(e) => {
                    if let ApiError::Problem(p) = &e {
                        field_errors.try_set(p.errors.iter().map(|f| f.message.clone()).collect());
                    }
                    save_error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let sum = move || {
        form.text
            .with(|t| t.as_ref().and_then(PolicyText::points_total))
    };
    let sum_ok = move || sum() == Some(100);

    // Made once the policy is read, not at each keystroke (the focus stays put).
    let loaded = Memo::new(move |_| form.text.with(Option::is_some));
    let body = move || {
        loaded.get().then(|| {
            view! {
                <form id="policy-form" class="form policy-form" novalidate=true on:submit=submit>
                    <fieldset class="form-group">
                        <legend>{i18n.tr("loyalty.policy.points")}</legend>
                        <p class="hint form-hint">{i18n.tr("loyalty.policy.points_hint")}</p>
                        <div class="grid-4">
                            {number(i18n, form, Field::Frequency, "unit.points")}
                            {number(i18n, form, Field::Regularity, "unit.points")}
                            {number(i18n, form, Field::Recency, "unit.points")}
                            {number(i18n, form, Field::Amount, "unit.points")}
                        </div>
                        <p
                            id="policy-points-total"
                            class="points-total"
                            class:points-total-wrong=move || !sum_ok()
                            aria-live="polite"
                        >
                            {i18n.tr("loyalty.policy.total")} " "
                            <strong>{move || sum().map_or_else(|| "—".to_owned(), |n| n.to_string())}</strong>
                            " / 100"
                        </p>
                    </fieldset>
                    <fieldset class="form-group">
                        <legend>{i18n.tr("loyalty.policy.thresholds")}</legend>
                        <p class="hint form-hint">{i18n.tr("loyalty.policy.thresholds_hint")}</p>
                        <div class="grid-3">
                            {number(i18n, form, Field::SilverThreshold, "unit.points")}
                            {number(i18n, form, Field::GoldThreshold, "unit.points")}
                            {number(i18n, form, Field::VipThreshold, "unit.points")}
                        </div>
                    </fieldset>
                    <fieldset class="form-group">
                        <legend>{i18n.tr("loyalty.policy.discounts")}</legend>
                        <p class="hint form-hint">{i18n.tr("loyalty.policy.discounts_hint")}</p>
                        <div class="grid-3">
                            {number(i18n, form, Field::SilverDiscount, "unit.percent")}
                            {number(i18n, form, Field::GoldDiscount, "unit.percent")}
                            {number(i18n, form, Field::VipDiscount, "unit.percent")}
                        </div>
                    </fieldset>
                    <fieldset class="form-group">
                        <legend>{i18n.tr("loyalty.policy.coupons")}</legend>
                        <p class="hint form-hint">{i18n.tr("loyalty.policy.coupons_hint")}</p>
                        <div class="grid-3">
                            {number(i18n, form, Field::SilverCoupon, "unit.percent")}
                            {number(i18n, form, Field::GoldCoupon, "unit.percent")}
                            {number(i18n, form, Field::VipCoupon, "unit.percent")}
                        </div>
                        <div class="grid-3">
                            {number(i18n, form, Field::CouponValidity, "unit.days")}
                            {number(i18n, form, Field::CouponMinBasket, "unit.fcfa")}
                        </div>
                    </fieldset>
                    <fieldset class="form-group">
                        <legend>{i18n.tr("loyalty.policy.demotion")}</legend>
                        <div class="grid-3">
                            {number(i18n, form, Field::SoftLanding, "unit.days")}
                        </div>
                        <p class="hint form-hint">{i18n.tr("loyalty.policy.soft_landing_hint")}</p>
                    </fieldset>
                    <Show when=move || form.problem.with(Option::is_some)>
                        <p id="policy-problem" class="form-error" role="alert">
                            {move || form.problem.with(|p| p.as_ref().map(|p| p.message(i18n.lang())))}
                        </p>
                    </Show>
                    <FormError id="policy-server-error" error=save_error field_errors=field_errors />
                    <Show when=move || saved.get()>
                        <p id="policy-saved" class="form-success" role="status">{i18n.tr("loyalty.policy.saved")}</p>
                    </Show>
                    <Show when=move || form.editable.get()>
                        <div class="actions form-actions">
                            <button id="policy-save" class="button button-primary" type="submit" disabled=move || busy.get()>
                                {move || if busy.get() { i18n.t("loyalty.policy.saving") } else { i18n.t("loyalty.policy.save") }}
                            </button>
                            <button
                                id="policy-reset"
                                class="button button-ghost"
                                type="button"
                                on:click=move |_| {
                                    form.problem.set(None);
                                    saved.set(false);
                                    form.text.set(Some(PolicyText::of(&LoyaltyPolicy::default())));
                                }
                            >
                                {i18n.tr("loyalty.policy.spec")}
                            </button>
                        </div>
                    </Show>
                </form>
            }
        })
    };

    view! {
        <div class="page loyalty-page" data-subpage="politique">
            <header class="page-header">
                <h1>{i18n.tr("loyalty.policy.title")}</h1>
                <p class="muted">
                    {move || if form.editable.get() { i18n.t("loyalty.policy.subtitle") } else { i18n.t("loyalty.policy.read_only") }}
                </p>
            </header>
            <Show when=move || load_error.with(Option::is_some)>
                <div id="policy-load-error" class="form-error" role="alert">
                    <p>{move || load_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                    <button class="button button-small" type="button" on:click=move |_| reload.update(|n| *n = n.wrapping_add(1))>
                        {i18n.tr("loyalty.retry")}
                    </button>
                </div>
            </Show>
            <Show when=move || form.text.with(Option::is_none) && load_error.with(Option::is_none)>
                <p class="muted loading" id="policy-loading">{i18n.tr("shell.loading")}</p>
            </Show>
            <section class="card policy-card">{body}</section>
        </div>
    }
}

/// `PUT` the policy, then read back what the server keeps.
async fn save(auth: crate::auth::Auth, policy: &LoyaltyPolicy) -> Result<LoyaltyPolicy, ApiError> {
    api::save_loyalty_policy(auth, policy).await?;
    api::loyalty_policy(auth).await
}

/// One number of the form, with its unit (a string key) after it; read-only unless the
/// user may edit.
fn number(i18n: I18n, form: Form, field: Field, unit: &'static str) -> impl IntoView {
    let id = field.element_id();
    let wrong = move || {
        form.problem
            .with(|p| p.as_ref().is_some_and(|p| p.concerns(field)))
    };
    let mode = if unit == "unit.percent" {
        "decimal"
    } else {
        "numeric"
    };
    view! {
        <label class="field">
            <span class="field-label">{i18n.tr(field.label_key())}</span>
            <span class="input-suffix">
                <input
                    id=id
                    type="text"
                    inputmode=mode
                    autocomplete="off"
                    readonly=move || !form.editable.get()
                    aria-invalid=move || if wrong() { "true" } else { "false" }
                    prop:value=move || form.text.with(|t| t.as_ref().map(|t| t.get(field).to_owned()).unwrap_or_default())
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        form.text.update(|t| {
                            if let Some(t) = t {
                                t.set(field, value);
                            }
                        });
                        // A problem is said again at the next « Enregistrer », not while typing.
                        if wrong() {
                            form.problem.set(None);
                        }
                    }
                />
                <span class="suffix">{i18n.tr(unit)}</span>
            </span>
        </label>
    }
}
