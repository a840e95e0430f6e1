//! "Statistiques fidélité" (SPEC §4): active customers, active in the last 30 days, the
//! activity and loyalty rates, each level's customers and 3-month revenue (CA), the top
//! 10 VIP customers, and when an analysis last changed the levels.

use crm_api_types::loyalty::{LevelStats, LoyaltyStats, TopCustomer};
use crm_domain::money::group_thousands;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{level_badge, rules};
use crate::api;
use crate::auth::use_auth;
use crate::components::chart::{Doughnut, Slice};
use crate::components::Msg;
use crate::format::{date_time, level_key, money};
use crate::i18n::{use_i18n, I18n};

/// The page.
#[component]
pub fn StatsPage() -> impl IntoView {
    let i18n = use_i18n();
    let auth = use_auth();
    let data = RwSignal::new(None::<LoyaltyStats>);
    let error = RwSignal::new(None::<Msg>);
    let loading = RwSignal::new(false);
    let reload = RwSignal::new(0u32);

    Effect::new(move |_| {
        reload.track();
        loading.set(true);
        spawn_local(async move {
            let result = api::loyalty_stats(auth).await;
            loading.try_set(false);
            match result {
                Ok(s) => {
                    error.try_set(None);
                    data.try_set(Some(s));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });
    let retry = move |_| reload.update(|n| *n = n.wrapping_add(1));

    let card = move |id: &'static str, key: &'static str, value: fn(&LoyaltyStats) -> String| {
        view! {
            <div class="stat summary-card">
                <dt>{i18n.tr(key)}</dt>
                <dd id=id>{move || data.with(|d| d.as_ref().map(value).unwrap_or_else(|| "—".into()))}</dd>
            </div>
        }
    };

    let last_analysis = move || {
        data.with(|d| {
            d.as_ref().map(|s| match &s.last_analysis {
                Some(a) => view! {
                    <span id="stats-last-analysis">
                        {i18n.tr("loyalty.stats.last_analysis")} " "
                        <strong>{date_time(a.finished_at.unwrap_or(a.created_at))}</strong>
                        " (" {i18n.tr("coupons.no_sign")} " " {a.id} ")"
                    </span>
                }
                .into_any(),
                None => view! {
                    <span id="stats-last-analysis">{i18n.tr("loyalty.stats.no_analysis")}</span>
                }
                .into_any(),
            })
        })
    };

    view! {
        <div class="page loyalty-page" data-subpage="statistiques">
            <header class="page-header loyalty-header">
                <div>
                    <h1>{i18n.tr("loyalty.stats.title")}</h1>
                    <p class="muted">{last_analysis}</p>
                </div>
                <div class="actions">
                    <Show when=move || loading.get()>
                        <span class="muted loading" id="stats-loading">{i18n.tr("sales.loading")}</span>
                    </Show>
                    <button id="stats-refresh" class="button" type="button" disabled=move || loading.get() on:click=retry>
                        {i18n.tr("loyalty.stats.refresh")}
                    </button>
                </div>
            </header>
            <Show when=move || error.with(Option::is_some)>
                <div id="stats-error" class="form-error" role="alert">
                    <p>{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                    <button class="button button-small" type="button" on:click=retry>
                        {i18n.tr("loyalty.retry")}
                    </button>
                </div>
            </Show>
            <dl class="summary-cards">
                {card("stats-customers", "loyalty.stats.customers", |s| group_thousands(s.customers))}
                {card("stats-active", "loyalty.stats.active_30d", |s| group_thousands(s.active_30d))}
                {card("stats-activity-rate", "loyalty.stats.activity_rate", |s| rules::percent(&s.activity_rate))}
                {card("stats-loyalty-rate", "loyalty.stats.loyalty_rate", |s| rules::percent(&s.loyalty_rate))}
            </dl>
            <div class="sales-grid">
                <section class="card">
                    <h2 class="card-title">{i18n.tr("loyalty.stats.per_level")}</h2>
                    {move || data.with(|d| d.as_ref().map(|s| level_table(i18n, &s.levels)))}
                </section>
                <section class="card">
                    <h2 class="card-title">{i18n.tr("loyalty.stats.split")}</h2>
                    <div id="stats-split">
                        {move || data.with(|d| d.as_ref().map(|s| level_split(i18n, &s.levels)))}
                    </div>
                </section>
            </div>
            <section class="card">
                <h2 class="card-title">{i18n.tr("loyalty.stats.top_vip")}</h2>
                {move || data.with(|d| d.as_ref().map(|s| top_vip(i18n, &s.top_vip)))}
            </section>
        </div>
    }
}

/// Each level's customers, share and 3-month revenue.
fn level_table(i18n: I18n, levels: &[LevelStats]) -> impl IntoView {
    let rows = levels
        .iter()
        .map(|l| {
            let level = l.level;
            view! {
                <tr data-level=level.as_str()>
                    <td>{move || level_badge(i18n.lang(), level)}</td>
                    <td class="amount level-customers">{group_thousands(l.customers)}</td>
                    <td class="amount level-percent">{rules::percent(&l.percent)}</td>
                    <td class="amount level-revenue">{money(l.revenue_3m)}</td>
                    <td class="amount level-per-customer">{money(l.revenue_per_customer)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-scroll">
            <table id="stats-levels" class="table loyalty-table">
                <thead>
                    <tr>
                        <th>{i18n.tr("loyalty.level")}</th>
                        <th class="amount">{i18n.tr("loyalty.stats.level_customers")}</th>
                        <th class="amount">"%"</th>
                        <th class="amount">{i18n.tr("loyalty.stats.revenue_3m")}</th>
                        <th class="amount">{i18n.tr("loyalty.stats.revenue_per_customer")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
        <p class="hint">{i18n.tr("loyalty.stats.revenue_hint")}</p>
    }
}

/// Customers per level as a doughnut, with its legend.
fn level_split(i18n: I18n, levels: &[LevelStats]) -> impl IntoView {
    let slices = levels
        .iter()
        .map(|l| Slice {
            key: l.level.as_str().to_owned(),
            color: rules::level_color(l.level),
            value: l.customers,
        })
        .collect::<Vec<_>>();
    let legend = levels
        .iter()
        .map(|l| {
            let level = l.level;
            view! {
                <li>
                    <span class="swatch" style=format!("background:{}", rules::level_color(level))></span>
                    {move || i18n.t(level_key(level))}
                    " · " <strong>{rules::percent(&l.percent)}</strong>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="split">
            <Doughnut
                label=Signal::derive(move || i18n.t("loyalty.stats.split").to_string())
                unit=i18n.t("loyalty.customers_word")
                slices=slices
            />
            <ul class="legend">{legend}</ul>
        </div>
    }
}

/// The ten VIP customers who spent most over 3 months.
fn top_vip(i18n: I18n, top: &[TopCustomer]) -> impl IntoView {
    let rows = top
        .iter()
        .enumerate()
        .map(|(i, c)| {
            view! {
                <tr class="vip-row" data-customer-id=c.customer_id>
                    <td class="rank">{i + 1}</td>
                    <td>{c.name.clone()}</td>
                    <td class="mono">{c.customer_number.clone().unwrap_or_default()}</td>
                    <td class="amount">{group_thousands(c.purchases_3m)}</td>
                    <td class="amount">{money(c.revenue_3m)}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = top.is_empty().then(|| {
        view! {
            <tr class="empty-row">
                <td colspan="5" class="empty" id="stats-top-empty">{i18n.tr("loyalty.stats.no_vip")}</td>
            </tr>
        }
    });
    view! {
        <div class="table-scroll">
            <table id="stats-top-vip" class="table loyalty-table">
                <thead>
                    <tr>
                        <th class="rank">"#"</th>
                        <th>{i18n.tr("loyalty.moves.customer")}</th>
                        <th>{i18n.tr("loyalty.stats.card_number")}</th>
                        <th class="amount">{i18n.tr("loyalty.stats.purchases_3m")}</th>
                        <th class="amount">{i18n.tr("loyalty.stats.revenue_3m")}</th>
                    </tr>
                </thead>
                <tbody>{rows} {empty}</tbody>
            </table>
        </div>
    }
}
