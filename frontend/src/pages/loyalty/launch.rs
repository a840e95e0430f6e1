//! « Nouvelle analyse »: simulation or not, congratulation coupons or not, the reference
//! day (none: now), and « Lancer ». A run that writes is asked twice: the first click
//! says what it will do, the second starts it.

use chrono::NaiveDate;
use crm_api_types::loyalty::StartAnalysis;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;

use super::analysis::AnalysisState;
use crate::components::Msg;
use crate::i18n::use_i18n;

/// The options form.
#[component]
pub(super) fn Launch(state: AnalysisState) -> impl IntoView {
    let i18n = use_i18n();
    let dry_run = RwSignal::new(true);
    let generate_coupons = RwSignal::new(true);
    let as_of = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    // An apply run waiting for its confirmation; any change of option asks again.
    let confirming = RwSignal::new(false);
    Effect::new(move |_| {
        dry_run.track();
        generate_coupons.track();
        as_of.track();
        confirming.set(false);
    });

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let typed = as_of.get_untracked();
        let day = if typed.trim().is_empty() {
            None
        } else {
            match NaiveDate::parse_from_str(typed.trim(), "%Y-%m-%d") {
                Ok(day) => Some(day),
                Err(_) => {
                    error.set(Some(Msg::Key("loyalty.launch.bad_day")));
                    return;
                }
            }
        };
        if !dry_run.get_untracked() && !confirming.get_untracked() {
            error.set(None);
            confirming.set(true);
            return;
        }
        confirming.set(false);
        state.start(
            StartAnalysis {
                dry_run: dry_run.get_untracked(),
                generate_coupons: generate_coupons.get_untracked(),
                as_of: day,
            },
            busy,
            error,
        );
    };

    view! {
        <section class="card launch-card">
            <h2 class="card-title">{i18n.tr("loyalty.launch.title")}</h2>
            <form id="analysis-form" class="form" novalidate=true on:submit=submit>
                <label class="checkbox">
                    <input id="analysis-dry-run" type="checkbox" bind:checked=dry_run />
                    <span>
                        <strong>{i18n.tr("loyalty.launch.dry_run")}</strong>
                        <span class="muted option-note">{i18n.tr("loyalty.launch.dry_run_note")}</span>
                    </span>
                </label>
                <label class="checkbox">
                    <input id="analysis-coupons" type="checkbox" bind:checked=generate_coupons />
                    <span>
                        <strong>{i18n.tr("loyalty.launch.coupons")}</strong>
                        <span class="muted option-note">{i18n.tr("loyalty.launch.coupons_note")}</span>
                    </span>
                </label>
                <label class="field field-narrow">
                    <span class="field-label">{i18n.tr("loyalty.launch.as_of")}</span>
                    <input id="analysis-as-of" type="date" bind:value=as_of />
                    <span class="hint">{i18n.tr("loyalty.launch.as_of_hint")}</span>
                </label>
                <Show when=move || confirming.get()>
                    <p id="analysis-confirm" class="notice-inline" role="alert">
                        {i18n.tr("loyalty.launch.confirm")}
                    </p>
                </Show>
                <Show when=move || error.with(Option::is_some)>
                    <p id="analysis-start-error" class="form-error" role="alert">
                        {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                    </p>
                </Show>
                <div class="actions form-actions">
                    <button
                        id="analysis-start"
                        class="button button-primary"
                        class:button-danger=move || confirming.get()
                        type="submit"
                        disabled=move || busy.get()
                    >
                        {move || {
                            if busy.get() {
                                i18n.t("loyalty.launch.starting")
                            } else if confirming.get() {
                                i18n.t("loyalty.launch.confirm_apply")
                            } else if dry_run.get() {
                                i18n.t("loyalty.launch.start_dry")
                            } else {
                                i18n.t("loyalty.launch.start_apply")
                            }
                        }}
                    </button>
                </div>
            </form>
        </section>
    }
}
