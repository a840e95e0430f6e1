//! "Émission groupée": a SPECIAL coupon for every customer of a level and above, issued
//! by a background job (`POST /coupons/bulk-issue`, 202) that the page follows
//! (`components::follow_job`) and shows with `components::JobProgress` — its progress
//! bar, its outcome, the CSV of its codes and the filter of the list on them.

use crm_api_types::{BulkIssueRequest, Job};
use crm_domain::money::group_thousands;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::form::{discount_fields, DiscountFields};
use super::{label, LEVELS};
use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{FormError, JobProgress, Msg};
use crate::files::download_csv;
use crate::i18n::{use_i18n, Lang};

/// "Émission groupée": the form, then the job's progress, result and CSV.
#[component]
pub(super) fn BulkIssue(
    job: RwSignal<Option<Job>>,
    job_error: RwSignal<Option<Msg>>,
    on_started: Callback<Job>,
    on_show_codes: Callback<i64>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let min_level = RwSignal::new("GOLD".to_string());
    let fields = DiscountFields::new();
    let error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());
    let busy = RwSignal::new(false);
    let downloading = RwSignal::new(false);
    // A finished job stays on screen until "Nouvelle émission".
    let show_form = RwSignal::new(job.with_untracked(Option::is_none));

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
        let request = BulkIssueRequest {
            min_level: min_level.get_untracked(),
            discount_kind: d.discount_kind,
            value: d.value,
            description: d.description,
            valid_from: d.valid_from,
            valid_to: d.valid_to,
            per_customer_cap: d.per_customer_cap,
            min_basket: d.min_basket,
            eligible_categories: d.eligible_categories,
            stacks_with_loyalty: d.stacks_with_loyalty,
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::bulk_issue(auth, &request).await;
            busy.try_set(false);
            match result {
                Ok(j) => {
                    show_form.try_set(false);
                    on_started.run(j);
                }
                Err(e) => {
                    if let ApiError::Problem(p) = &e {
                        field_errors.try_set(p.errors.iter().map(|f| f.message.clone()).collect());
                    }
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let download = move |id: i64| {
        if downloading.get_untracked() {
            return;
        }
        downloading.set(true);
        spawn_local(async move {
            let path = format!("/coupons/export?job_id={id}");
            let result = download_csv(auth, &path, &format!("coupons-emission-{id}.csv")).await;
            downloading.try_set(false);
            if let Err(msg) = result {
                job_error.try_set(Some(msg));
            }
        });
    };

    let level_options = move || {
        let lang = i18n.lang();
        LEVELS
            .into_iter()
            .map(|l| {
                view! {
                    <option value=l selected=move || min_level.get() == l>
                        {label(lang, "coupons.level_and_up", l)}
                    </option>
                }
            })
            .collect_view()
    };

    let progress_view = move || {
        job.get().map(|j| {
            let id = j.id;
            let outcome_count = |key: &str| {
                j.result
                    .as_ref()
                    .and_then(|r| r.get(key))
                    .and_then(serde_json::Value::as_i64)
                    .unwrap_or(0)
            };
            let (issued, skipped) = (outcome_count("issued"), outcome_count("skipped"));
            // French counts 0 and 1 in the singular.
            let one = move |n: i64| n == 1 || (n == 0 && i18n.lang() == Lang::Fr);
            let title = move || {
                format!("{} {} {id}", i18n.t("coupons.issue"), i18n.t("coupons.no_sign"))
            };
            let succeeded = move || {
                view! {
                    <p id="bulk-result" class="flash job-result" role="status">
                        <strong>{group_thousands(issued)}</strong>
                        " "
                        {i18n.tr(if one(issued) { "coupons.issued_one" } else { "coupons.issued" })}
                        {(skipped > 0)
                            .then(|| {
                                view! {
                                    <span id="bulk-skipped">
                                        " — " {group_thousands(skipped)} " "
                                        {i18n.tr(if one(skipped) { "coupons.skipped_one" } else { "coupons.skipped" })}
                                    </span>
                                }
                            })}
                    </p>
                    <div class="actions">
                        <button
                            id="bulk-download"
                            class="button button-primary"
                            type="button"
                            disabled=move || downloading.get()
                            on:click=move |_| download(id)
                        >
                            {move || if downloading.get() { i18n.t("coupons.exporting") } else { i18n.t("coupons.download_codes") }}
                        </button>
                        <button id="bulk-show" class="button" type="button" on:click=move |_| on_show_codes.run(id)>
                            {i18n.tr("coupons.show_codes")}
                        </button>
                        <button id="bulk-again" class="button button-ghost" type="button" on:click=move |_| show_form.set(true)>
                            {i18n.tr("coupons.bulk_again")}
                        </button>
                    </div>
                }
            };
            let failed = move || {
                view! {
                    <div class="actions">
                        <button id="bulk-again" class="button" type="button" on:click=move |_| show_form.set(true)>
                            {i18n.tr("coupons.bulk_again")}
                        </button>
                    </div>
                }
            };
            view! {
                <JobProgress
                    id="bulk"
                    job=j
                    title=Signal::derive(title)
                    unit=("coupons.customer_word", "coupons.customers_word")
                    hint="coupons.job_hint"
                    succeeded=succeeded
                    failed=failed
                />
            }
        })
    };

    view! {
        <Show when=move || job_error.with(Option::is_some)>
            <p class="form-error" role="alert">
                {move || job_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
            </p>
        </Show>
        {move || (!show_form.get()).then(progress_view)}
        <Show when=move || show_form.get()>
            <form id="bulk-form" class="form coupon-form" novalidate=true on:submit=submit>
                <p class="muted">{i18n.tr("coupons.bulk_intro")}</p>
                <label class="field">
                    <span class="field-label">{i18n.tr("coupons.min_level")}</span>
                    <select
                        id="bulk-level"
                        prop:value=move || min_level.get()
                        on:change=move |ev| min_level.set(event_target_value(&ev))
                    >
                        {level_options}
                    </select>
                </label>
                {discount_fields(i18n, "bulk", fields)}
                <label class="field field-narrow">
                    <span class="field-label">{i18n.tr("coupons.customer_cap")}</span>
                    <input
                        id="bulk-customer-cap"
                        type="text"
                        inputmode="numeric"
                        autocomplete="off"
                        bind:value=fields.per_customer_cap
                    />
                </label>
                <FormError id="bulk-form-error" error=error field_errors=field_errors />
                <div class="actions form-actions">
                    <button id="bulk-submit" class="button button-primary" type="submit" disabled=move || busy.get()>
                        {move || if busy.get() { i18n.t("coupons.starting") } else { i18n.t("coupons.bulk_start") }}
                    </button>
                </div>
            </form>
        </Show>
    }
}
