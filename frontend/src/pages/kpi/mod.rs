//! `/kpi`: « Tableau de bord KPI » (SPEC §5) for marketing, the director and admins — the
//! six KPI cards against the previous period and their targets, the charts, the period
//! and segment filters kept in the URL, the exports and a print layout.
//!
//! Files: `mod` (the page and the state its parts share: the filters read from the URL,
//! the dashboard fetched for them), `filter_bar` (period and segment), `actions`
//! (« Exporter CSV », « Exporter Excel », « Imprimer »), `cards` (the six KPIs), `charts`
//! (the charts), and the plain-Rust rules they call, host-tested: `filters` (the URL's
//! query, also the API's), `figures` (how a figure and its change are written), `summary`
//! (what each card says), `series` (what each chart draws).
//!
//! The URL is the state: a filter button navigates to `/kpi?period=…&segment=…` (a new
//! history entry, so « Retour » goes back to the previous filter), and the page fetches
//! `GET /kpis` with the query it reads there. The figures on screen stay while the next
//! ones load or when a load fails (the error says so, with « Réessayer »).

mod actions;
mod cards;
mod charts;
mod figures;
mod filter_bar;
mod filters;
mod series;
mod summary;

use std::rc::Rc;

use crm_api_types::KpiDashboard;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api;
use crate::auth::use_auth;
use crate::components::day_range::DAY_FORMAT;
use crate::components::Msg;
use crate::format::{level_key, time};
use crate::i18n::use_i18n;

use filters::Filters;

/// How the page changes its URL (the router's `navigate`).
type Navigate = Rc<dyn Fn(&str, NavigateOptions)>;

/// What the parts of the page share.
#[derive(Clone, Copy)]
struct Dashboard {
    /// The filters, as the URL says.
    filters: Memo<Filters>,
    /// The last figures received (kept while the next ones load).
    data: RwSignal<Option<KpiDashboard>>,
    /// A request is on its way.
    loading: RwSignal<bool>,
    /// Why the last request failed.
    error: RwSignal<Option<Msg>>,
    /// Bumped to ask the same figures again (« Réessayer »).
    reload: RwSignal<u32>,
    navigate: StoredValue<Navigate, LocalStorage>,
}

impl Dashboard {
    /// Shows `filters`: a new entry in the browser's history, unless they are on screen.
    fn go(self, filters: Filters) {
        if filters == self.filters.get_untracked() {
            return;
        }
        let url = filters.page_url();
        self.navigate.with_value(|navigate| {
            navigate(
                &url,
                NavigateOptions {
                    scroll: false,
                    ..NavigateOptions::default()
                },
            );
        });
    }

    /// Asks the same figures again.
    fn retry(self) {
        self.reload.update(|n| *n = n.wrapping_add(1));
    }
}

/// The page.
#[component]
pub fn KpiPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let query = use_query_map();
    let navigate = use_navigate();
    let state = Dashboard {
        filters: Memo::new(move |_| query.with(|q| Filters::from_query(|key| q.get(key)))),
        data: RwSignal::new(None),
        loading: RwSignal::new(false),
        error: RwSignal::new(None),
        reload: RwSignal::new(0),
        navigate: StoredValue::new_local(Rc::new(navigate) as Navigate),
    };

    // One request per filter change or retry; only the latest one's answer is shown.
    let latest = StoredValue::new(0u64);
    Effect::new(move |_| {
        state.reload.track();
        let q = state.filters.get().query();
        let n = latest.get_value().wrapping_add(1);
        latest.set_value(n);
        state.loading.set(true);
        spawn_local(async move {
            let result = api::kpis(auth, &q).await;
            if latest.try_get_value() != Some(n) {
                return; // a newer request is on its way, or the page is gone
            }
            state.loading.try_set(false);
            match result {
                Ok(d) => {
                    state.error.try_set(None);
                    state.data.try_set(Some(d));
                }
                Err(e) => {
                    state.error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });

    // What the figures on screen are of: their period, the one they are compared with,
    // their segment (also the title of the printed page).
    let scope = move || {
        state.data.with(|d| {
            d.as_ref().map(|d| {
                let p = &d.period;
                // The figures' own period, not the URL's: a load that failed leaves the
                // previous figures on screen.
                let name = if p.kind == filters::CUSTOM {
                    i18n.t("kpi.scope.custom")
                } else {
                    i18n.t(period_key(&p.kind))
                };
                let segment = match d.segment {
                    Some(level) => {
                        format!("{} {}", i18n.t("kpi.segment"), i18n.t(level_key(level)))
                    }
                    None => i18n.t("kpi.scope.everyone").to_owned(),
                };
                format!(
                    "{name} · {} {} {} {} · {segment}",
                    i18n.t("kpi.from_day"),
                    p.first_day.format(DAY_FORMAT),
                    i18n.t("kpi.to_day"),
                    p.last_day.format(DAY_FORMAT),
                )
            })
        })
    };
    let previous = move || {
        state.data.with(|d| {
            d.as_ref().map(|d| {
                format!(
                    "{} {} {} {} {}",
                    i18n.t("kpi.compared_with"),
                    i18n.t("kpi.from_day"),
                    d.period.previous_first_day.format(DAY_FORMAT),
                    i18n.t("kpi.to_day"),
                    d.period.previous_last_day.format(DAY_FORMAT),
                )
            })
        })
    };
    let generated = move || {
        state.data.with(|d| {
            d.as_ref()
                .map(|d| format!("{} {}", i18n.t("kpi.generated"), time(d.generated_at)))
        })
    };

    view! {
        <div class="page kpi-page" data-page="kpi">
            <header class="page-header kpi-header">
                <div class="kpi-heading">
                    <h1>{i18n.tr("kpi.title")}</h1>
                    <p id="kpi-scope" class="kpi-scope">{scope}</p>
                    <p id="kpi-previous" class="muted kpi-compared">{previous}</p>
                </div>
                <div class="kpi-meta">
                    <p class="kpi-generated">
                        <span id="kpi-generated">{generated}</span>
                        <Show when=move || state.loading.get()>
                            <span class="muted loading" id="kpi-loading">{i18n.tr("sales.loading")}</span>
                        </Show>
                    </p>
                </div>
            </header>
            <filter_bar::FilterBar state=state />
            <Show when=move || state.error.with(Option::is_some)>
                <div id="kpi-error" class="form-error kpi-error" role="alert">
                    <p>{move || state.error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                    <Show when=move || state.data.with(Option::is_some)>
                        <p class="kpi-error-note">{i18n.tr("kpi.error.kept")}</p>
                    </Show>
                    <button id="kpi-retry" class="button button-small" type="button" on:click=move |_| state.retry()>
                        {i18n.tr("loyalty.retry")}
                    </button>
                </div>
            </Show>
            <div class="kpi-body" class:kpi-stale=move || state.loading.get() aria-busy=move || state.loading.get().to_string()>
                <cards::Cards state=state />
                <charts::Charts state=state />
            </div>
        </div>
    }
}

/// The string key of a period's name (`90d` → « 90 derniers jours »).
fn period_key(name: &str) -> &'static str {
    match name {
        "7d" => "period.7d",
        "90d" => "kpi.period.90d_long",
        "180d" => "kpi.period.180d_long",
        "365d" => "kpi.period.365d_long",
        _ => "period.30d",
    }
}
