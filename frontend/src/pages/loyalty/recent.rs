//! « Analyses récentes »: newest first, a click (or Enter) puts one on screen.

use crm_api_types::loyalty::Analysis;
use crm_domain::job::JobStatus;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;

use super::analysis::AnalysisState;
use crate::components::Pager;
use crate::format::date_time;
use crate::i18n::{lookup, use_i18n, I18n};

/// The list.
#[component]
pub(super) fn Recent(state: AnalysisState) -> impl IntoView {
    let i18n = use_i18n();
    let rows = move || {
        let items = state
            .list
            .with(|l| l.as_ref().map(|p| p.items.clone()).unwrap_or_default());
        if items.is_empty() {
            let key = if state.list.with(Option::is_none) {
                "shell.loading"
            } else {
                "loyalty.recent.empty"
            };
            return view! {
                <tr class="empty-row">
                    <td colspan="4" class="empty empty-state" id="analyses-empty">{i18n.tr(key)}</td>
                </tr>
            }
            .into_any();
        }
        items
            .into_iter()
            .map(|a| analysis_row(i18n, state, a))
            .collect_view()
            .into_any()
    };
    let retry = move |_| state.reload_list();
    view! {
        <section class="card recent-card">
            <h2 class="card-title">
                {i18n.tr("loyalty.recent.title")}
                <Show when=move || state.list_loading.get()>
                    <span class="muted loading" id="analyses-loading">{i18n.tr("sales.loading")}</span>
                </Show>
            </h2>
            <Show when=move || state.list_error.with(Option::is_some)>
                <div id="analyses-error" class="form-error" role="alert">
                    <p>{move || state.list_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                    <button class="button button-small" type="button" on:click=retry>
                        {i18n.tr("loyalty.retry")}
                    </button>
                </div>
            </Show>
            <div class="table-scroll">
                <table id="analyses-list" class="table loyalty-table">
                    <thead>
                        <tr>
                            <th>{i18n.tr("loyalty.recent.when")}</th>
                            <th>{i18n.tr("loyalty.recent.mode")}</th>
                            <th>{i18n.tr("loyalty.recent.status")}</th>
                            <th class="amount">{i18n.tr("loyalty.recent.moves")}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Pager
                id="analyses"
                label="loyalty.recent.title"
                page=state.list_page
                totals=Signal::derive(move || state.list.with(|l| l.as_ref().map(|p| (p.total, p.per_page))))
                busy=state.list_loading
            />
        </section>
    }
}

fn analysis_row(i18n: I18n, state: AnalysisState, a: Analysis) -> impl IntoView {
    let id = a.id;
    let open = {
        let a = a.clone();
        move || state.open(a.clone())
    };
    let open_on_key = open.clone();
    let selected = move || state.current.with(|c| c.as_ref().map(|c| c.id) == Some(id));
    let status = a.status.as_str();
    let mode_key = if a.dry_run {
        "loyalty.mode.dry_run"
    } else {
        "loyalty.mode.apply"
    };
    let mode_class = if a.dry_run {
        "badge mode mode-dry-run"
    } else {
        "badge mode mode-apply"
    };
    let moves = match (&a.result, a.status) {
        (Some(r), JobStatus::Succeeded) => {
            format!("\u{2191}{} \u{2193}{}", r.promotions, r.demotions)
        }
        _ => "—".to_owned(),
    };
    view! {
        <tr
            class="analysis-row"
            class:selected=selected
            tabindex="0"
            data-analysis-id=id
            data-dry-run=a.dry_run.to_string()
            aria-current=move || selected().then_some("true")
            on:click=move |_| open()
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    open_on_key();
                }
            }
        >
            <td>
                <span class="mono">{i18n.tr("coupons.no_sign")} " " {id}</span>
                <div class="muted cell-note">{date_time(a.created_at)}</div>
            </td>
            <td><span class=mode_class>{i18n.tr(mode_key)}</span></td>
            <td>
                <span class=format!("badge job-status job-{}", status.to_lowercase())>
                    {move || lookup(i18n.lang(), &format!("job.status.{status}")).unwrap_or(status)}
                </span>
            </td>
            <td class="amount" title=i18n.tr("loyalty.recent.moves_title")>{moves}</td>
        </tr>
    }
}
