//! The dashboard's charts (`series.rs` says what each one draws), each in its own card
//! with its legend: identification rate and revenue (lines), customers per level
//! (stacked areas), revenue per segment (doughnut), the top 10 coupons and the average
//! basket per level (bars). A period without sales says « Aucune vente sur la période »
//! instead of drawing zeros.

use crm_api_types::KpiDashboard;
use crm_domain::kpi::Granularity;
use crm_domain::money::group_thousands;
use leptos::prelude::*;

use super::series::{self, SegmentSlice};
use super::Dashboard;
use crate::components::chart::{
    legend, BarChart, Doughnut, LineChart, SeriesData, StackedAreaChart, Titles,
};
use crate::format::money;
use crate::i18n::{text, use_i18n, I18n, Lang};

/// The charts.
#[component]
pub(super) fn Charts(state: Dashboard) -> impl IntoView {
    let i18n = use_i18n();
    // Each chart card: its id, its title's key, whether it draws a series over the
    // period (its title then says per day or per week), and what it draws.
    let chart = move |id: &'static str,
                      title: &'static str,
                      over_time: bool,
                      body: fn(I18n, Lang, &KpiDashboard) -> AnyView| {
        let step = move || {
            state.data.with(|d| {
                d.as_ref()
                    .filter(|_| over_time)
                    .map(|d| match d.period.granularity {
                        Granularity::Day => i18n.t("kpi.per_day"),
                        Granularity::Week => i18n.t("kpi.per_week"),
                    })
            })
        };
        let content = move || {
            let lang = i18n.lang();
            state.data.with(|d| match d {
                Some(d) => body(i18n, lang, d),
                None => view! { <p class="muted kpi-chart-loading">{i18n.t("sales.loading")}</p> }
                    .into_any(),
            })
        };
        view! {
            <section class="card kpi-chart" id=id>
                <h2 class="card-title">
                    {i18n.tr(title)}
                    <span class="muted kpi-chart-step">{step}</span>
                </h2>
                {content}
            </section>
        }
    };
    view! {
        <div class="kpi-charts">
            {chart("kpi-chart-identification", "kpi.chart.identification", true, identification)}
            {chart("kpi-chart-revenue", "kpi.chart.revenue", true, revenue)}
            {chart("kpi-chart-customers", "kpi.chart.customers", true, customers)}
            {chart("kpi-chart-segments", "kpi.chart.segments", false, segments)}
            {chart("kpi-chart-coupons", "kpi.chart.coupons", false, coupons)}
            {chart("kpi-chart-basket", "kpi.chart.basket", false, baskets)}
        </div>
    }
}

/// The empty state of a chart.
fn empty(lang: Lang, key: &'static str) -> AnyView {
    view! { <p class="empty empty-state kpi-empty">{text(lang, key)}</p> }.into_any()
}

/// The legend of series drawn as lines or bands.
fn series_legend(data: &SeriesData) -> impl IntoView {
    legend(
        data.series
            .iter()
            .map(|s| (s.name.clone(), s.color))
            .collect(),
    )
}

fn titles(i18n: I18n, id: &'static str, key: &'static str, unit: &'static str) -> Titles {
    Titles {
        id,
        label: Signal::derive(move || i18n.t(key).to_owned()),
        unit,
    }
}

fn identification(i18n: I18n, lang: Lang, d: &KpiDashboard) -> AnyView {
    if !series::has_sales(d) {
        return empty(lang, "kpi.empty.sales");
    }
    let data = series::identification(lang, d);
    view! {
        <LineChart titles=titles(i18n, "kpi-identification-line", "kpi.chart.identification", "%") data=data />
    }
    .into_any()
}

fn revenue(i18n: I18n, lang: Lang, d: &KpiDashboard) -> AnyView {
    if !series::has_sales(d) {
        return empty(lang, "kpi.empty.sales");
    }
    let data = series::revenue(lang, d);
    let key = series_legend(&data);
    view! {
        {key}
        <LineChart titles=titles(i18n, "kpi-revenue-line", "kpi.chart.revenue", "FCFA") data=data />
    }
    .into_any()
}

fn customers(i18n: I18n, lang: Lang, d: &KpiDashboard) -> AnyView {
    if !series::has_customers(d) {
        return empty(lang, "kpi.empty.customers");
    }
    let data = series::customers(lang, d);
    let key = series_legend(&data);
    view! {
        {key}
        <StackedAreaChart titles=titles(i18n, "kpi-customers-area", "kpi.chart.customers", "") data=data />
    }
    .into_any()
}

fn segments(i18n: I18n, lang: Lang, d: &KpiDashboard) -> AnyView {
    if !series::has_sales(d) {
        return empty(lang, "kpi.empty.sales");
    }
    let slices = series::segments(lang, d);
    let rows = slices
        .iter()
        .map(|s: &SegmentSlice| {
            view! {
                <tr data-segment=s.slice.key.clone()>
                    <td>
                        <span class="swatch" style=format!("background:{}", s.slice.color)></span>
                        {s.name.clone()}
                    </td>
                    <td class="amount segment-revenue">{money(s.revenue)}</td>
                    <td class="amount segment-share">{s.share.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let drawn = slices.into_iter().map(|s| s.slice).collect::<Vec<_>>();
    view! {
        <div class="split kpi-split">
            <Doughnut label=Signal::derive(move || i18n.t("kpi.chart.segments").to_owned()) unit="FCFA" slices=drawn />
            <table id="kpi-segments" class="table split-table">
                <thead>
                    <tr>
                        <th>{text(lang, "kpi.segment")}</th>
                        <th class="amount">{text(lang, "kpi.net_revenue")}</th>
                        <th class="amount">{text(lang, "sales.share")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn coupons(i18n: I18n, lang: Lang, d: &KpiDashboard) -> AnyView {
    if d.top_coupons.is_empty() {
        return empty(lang, "kpi.empty.coupons");
    }
    let bars = series::coupons(lang, d);
    let rows = d
        .top_coupons
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let kind = match c.kind {
                crm_domain::coupon::CouponKind::Generic => "coupon.kind.GENERIC",
                crm_domain::coupon::CouponKind::Special => "coupon.kind.SPECIAL",
            };
            view! {
                <tr class="top-coupon" data-code=c.code.clone()>
                    <td class="rank">{i + 1}</td>
                    <td class="mono">{c.code.clone()}</td>
                    <td>{text(lang, kind)}</td>
                    <td class="amount coupon-uses">{group_thousands(c.uses)}</td>
                    <td class="amount">{money(c.discount)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="kpi-bars-table">
            <BarChart titles=titles(i18n, "kpi-coupons-bars", "kpi.chart.coupons", "") bars=bars floor=5 />
            <table id="kpi-top-coupons" class="table split-table">
                <thead>
                    <tr>
                        <th class="rank">"#"</th>
                        <th>{text(lang, "kpi.coupon_code")}</th>
                        <th>{text(lang, "kpi.coupon_kind")}</th>
                        <th class="amount">{text(lang, "kpi.coupon_uses")}</th>
                        <th class="amount">{text(lang, "kpi.coupon_discount")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn baskets(i18n: I18n, lang: Lang, d: &KpiDashboard) -> AnyView {
    if !series::has_sales(d) {
        return empty(lang, "kpi.empty.sales");
    }
    // Each bar takes its level's colour from style.css (`#kpi-basket-bars`).
    let bars = series::baskets(lang, d);
    view! {
        <BarChart titles=titles(i18n, "kpi-basket-bars", "kpi.chart.basket", "FCFA") bars=bars floor=1000 />
    }
    .into_any()
}
