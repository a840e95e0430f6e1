//! What each chart of the dashboard draws, built from `GET /kpis` and nothing else: the
//! identification rate and the revenue over the period (lines), the customers per level
//! over time (stacked areas), the revenue per segment (doughnut), the top 10 coupons and
//! the average basket per level (bars). Plain Rust, host-tested; `charts.rs` draws them.
//!
//! A rate is placed at its whole percent (the chart's axis counts whole units); its
//! tooltip gives the exact figure; a day without any sale has no rate, and no point.
//! Money stays whole FCFA.

use chrono::NaiveDate;
use crm_api_types::{KpiDashboard, Rate};
use crm_domain::money::group_thousands;
use crm_domain::Level;
use rust_decimal::RoundingStrategy;

use super::figures::{percent, percent_value};
use crate::components::chart::{Bar, Series, SeriesData, Slice};
use crate::format::{level_color, level_key, money};
use crate::i18n::{text, Lang};

/// Colour of the identification rate's line (the app's accent).
pub const IDENTIFICATION_COLOR: &str = "#e85d04";
/// Colour of the gross revenue's line.
pub const GROSS_COLOR: &str = "#98a2b3";
/// Colour of the net revenue's line.
pub const NET_COLOR: &str = "#0a8a43";
/// Colour of the anonymous sales' slice and bar (no level's grey).
pub const ANONYMOUS_COLOR: &str = "#38bdf8";

/// `24/11`: a point's label under the axis (the first day of its bucket).
pub fn day_label(day: NaiveDate) -> String {
    day.format("%d/%m").to_string()
}

/// A rate at its whole percent, half up (`"0.8333"` → 83).
pub fn whole_percent(rate: &Rate) -> i64 {
    let value = percent_value(&rate.value)
        .round_dp_with_strategy(0, RoundingStrategy::MidpointAwayFromZero);
    i64::try_from(value).unwrap_or_default()
}

/// Whether the period holds any completed sale (else the sales charts say so instead
/// of drawing zeros).
pub fn has_sales(d: &KpiDashboard) -> bool {
    d.discounts.current.sales > 0
}

/// The identification rate per point, on a 0–100 % axis.
pub fn identification(lang: Lang, d: &KpiDashboard) -> SeriesData {
    let name = text(lang, "kpi.chart.identification_series").to_owned();
    let points = &d.identification.series;
    SeriesData {
        labels: points.iter().map(|p| day_label(p.date)).collect(),
        series: vec![Series {
            name: name.clone(),
            color: IDENTIFICATION_COLOR,
            // A day without any sale has no rate: the line breaks there.
            values: points
                .iter()
                .map(|p| (p.rate.denominator > 0).then(|| whole_percent(&p.rate)))
                .collect(),
            tips: points
                .iter()
                .map(|p| {
                    format!(
                        "{} · {name} : {} ({}/{})",
                        p.date.format("%d/%m/%Y"),
                        percent(&p.rate.value),
                        p.rate.numerator,
                        p.rate.denominator
                    )
                })
                .collect(),
        }],
        floor: 100,
    }
}

/// The gross revenue (before discounts) and the net revenue per point, FCFA.
pub fn revenue(lang: Lang, d: &KpiDashboard) -> SeriesData {
    let points = &d.discounts.series;
    let line =
        |key: &'static str, color: &'static str, value: fn(&crm_api_types::RevenuePoint) -> i64| {
            let name = text(lang, key).to_owned();
            Series {
                tips: points
                    .iter()
                    .map(|p| {
                        format!(
                            "{} · {name} : {}",
                            p.date.format("%d/%m/%Y"),
                            money(value(p))
                        )
                    })
                    .collect(),
                values: points.iter().map(|p| Some(value(p))).collect(),
                name,
                color,
            }
        };
    SeriesData {
        labels: points.iter().map(|p| day_label(p.date)).collect(),
        series: vec![
            line("kpi.gross_revenue", GROSS_COLOR, |p| p.gross_revenue),
            line("kpi.net_revenue", NET_COLOR, |p| p.net_revenue),
        ],
        floor: 1000,
    }
}

/// The levels a chart shows: the segment's, or all four.
fn levels_shown(segment: Option<Level>) -> Vec<Level> {
    match segment {
        Some(level) => vec![level],
        None => Level::ALL.to_vec(),
    }
}

/// Customers per level at the end of each point, STANDARD at the bottom.
pub fn customers(lang: Lang, d: &KpiDashboard) -> SeriesData {
    let points = &d.customer_base.series;
    SeriesData {
        labels: points.iter().map(|p| day_label(p.date)).collect(),
        series: levels_shown(d.segment)
            .into_iter()
            .map(|level| Series {
                name: text(lang, level_key(level)).to_owned(),
                color: level_color(level),
                values: points.iter().map(|p| Some(p.levels.get(level))).collect(),
                tips: Vec::new(),
            })
            .collect(),
        floor: 10,
    }
}

/// Whether any customer is counted at any point of the period.
pub fn has_customers(d: &KpiDashboard) -> bool {
    d.customer_base.current.total > 0
        || d.customer_base
            .series
            .iter()
            .any(|p| Level::ALL.iter().any(|&l| p.levels.get(l) > 0))
}

/// One slice of the revenue per segment, with what its legend says.
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentSlice {
    /// The slice (`data-key`: the level, or `ANONYMOUS`).
    pub slice: Slice,
    /// The segment's name (`Gold`, `Anonymes`).
    pub name: String,
    /// Its revenue, FCFA.
    pub revenue: i64,
    /// Its share of the period's revenue (`45,2 %`).
    pub share: String,
}

/// The revenue per segment: each level, then the anonymous sales.
pub fn segments(lang: Lang, d: &KpiDashboard) -> Vec<SegmentSlice> {
    d.revenue_by_segment
        .iter()
        .map(|s| {
            let (key, name, color) = match s.level {
                Some(level) => (
                    level.as_str(),
                    text(lang, level_key(level)),
                    level_color(level),
                ),
                None => (
                    "ANONYMOUS",
                    text(lang, "kpi.anonymous_sales"),
                    ANONYMOUS_COLOR,
                ),
            };
            SegmentSlice {
                slice: Slice {
                    key: key.to_owned(),
                    color,
                    value: s.revenue,
                },
                name: name.to_owned(),
                revenue: s.revenue,
                share: percent(&s.share.value),
            }
        })
        .collect()
}

/// The ten coupons used most: one bar each, labelled by rank (the codes are listed
/// beside the chart), keyed by code.
pub fn coupons(lang: Lang, d: &KpiDashboard) -> Vec<Bar> {
    let uses = text(lang, "kpi.coupons.uses");
    d.top_coupons
        .iter()
        .enumerate()
        .map(|(i, c)| Bar {
            key: c.code.clone(),
            label: (i + 1).to_string(),
            value: c.uses,
            tip: format!(
                "{} : {} {uses} · {}",
                c.code,
                group_thousands(c.uses),
                money(c.discount)
            ),
        })
        .collect()
}

/// The average basket of each level (the segment's only), then of the anonymous sales
/// when there are some, FCFA.
pub fn baskets(lang: Lang, d: &KpiDashboard) -> Vec<Bar> {
    let sales_word = text(lang, "kpi.sales_word");
    let mut bars: Vec<Bar> = d
        .frequency
        .current
        .levels
        .iter()
        .map(|l| {
            let name = text(lang, level_key(l.level));
            Bar {
                key: l.level.as_str().to_owned(),
                label: name.to_owned(),
                value: l.figures.average_basket,
                tip: format!(
                    "{name} : {} · {} {sales_word}",
                    money(l.figures.average_basket),
                    group_thousands(l.figures.sales)
                ),
            }
        })
        .collect();
    let anonymous = &d.frequency.current.anonymous;
    if d.segment.is_none() && anonymous.sales > 0 {
        let name = text(lang, "kpi.anonymous_sales");
        bars.push(Bar {
            key: "ANONYMOUS".to_owned(),
            label: name.to_owned(),
            value: anonymous.average_basket,
            tip: format!(
                "{name} : {} · {} {sales_word}",
                money(anonymous.average_basket),
                group_thousands(anonymous.sales)
            ),
        });
    }
    bars
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn rate(numerator: i64, denominator: i64, value: &str) -> serde_json::Value {
        json!({"numerator": numerator, "denominator": denominator, "value": value})
    }

    fn basket(sales: i64, revenue: i64, average: i64) -> serde_json::Value {
        json!({"sales": sales, "revenue": revenue, "customers": 1,
               "frequency": rate(sales, 1, "1.0000"), "average_basket": average})
    }

    /// A dashboard as the API writes it: two days, one GOLD customer, one coupon.
    fn dashboard(segment: Option<&str>) -> KpiDashboard {
        let levels = json!({"standard": 3, "silver": 1, "gold": 2, "vip": 0});
        let base = json!({"levels": levels, "total": 6, "loyal": 3, "new_customers": 1});
        let discounts = json!({"sales": 3, "gross_revenue": 30_000, "loyalty_discounts": 500,
            "coupon_discounts": 1_000, "net_revenue": 28_500, "discount_rate": rate(1_500, 30_000, "0.0500"),
            "cost": 18_000, "margin_before_discounts": 12_000, "margin_after_discounts": 10_500,
            "margin_rate": rate(10_500, 28_500, "0.3684")});
        let frequency = json!({"levels": [
                {"level": "STANDARD", "sales": 1, "revenue": 10_000, "customers": 1, "frequency": rate(1, 1, "1.0000"), "average_basket": 10_000},
                {"level": "GOLD", "sales": 1, "revenue": 9_500, "customers": 1, "frequency": rate(1, 1, "1.0000"), "average_basket": 9_500}],
            "identified": basket(2, 19_500, 9_750), "anonymous": basket(1, 9_000, 9_000)});
        let coupons = json!({"rate": rate(1, 2, "0.5000"), "generic": rate(1, 1, "1.0000"),
            "special": rate(0, 1, "0.0000"), "redemptions": 1, "discount": 1_000});
        let retention = json!({"retention": rate(1, 2, "0.5000"), "churn": rate(1, 2, "0.5000")});
        serde_json::from_value(json!({
            "generated_at": "2026-11-30T10:42:00Z",
            "period": {"kind": "7d", "first_day": "2026-11-29", "last_day": "2026-11-30",
                "previous_first_day": "2026-11-27", "previous_last_day": "2026-11-28", "days": 2, "granularity": "DAY"},
            "segment": segment,
            "identification": {"current": rate(2, 3, "0.6667"), "previous": rate(0, 0, "0"),
                "series": [{"date": "2026-11-29", "rate": rate(1, 2, "0.5000")},
                           {"date": "2026-11-30", "rate": rate(1, 1, "1.0000")}]},
            "customer_base": {"current": base, "previous": base,
                "series": [{"date": "2026-11-29", "levels": levels, "new_customers": 0},
                           {"date": "2026-11-30", "levels": levels, "new_customers": 1}]},
            "coupons": {"current": coupons, "previous": coupons,
                "series": [{"date": "2026-11-29", "redemptions": 1, "discount": 1_000}]},
            "discounts": {"current": discounts, "previous": discounts,
                "series": [{"date": "2026-11-29", "gross_revenue": 20_000, "discounts": 1_500, "net_revenue": 18_500, "margin": 6_000},
                           {"date": "2026-11-30", "gross_revenue": 10_000, "discounts": 0, "net_revenue": 10_000, "margin": 4_500}]},
            "retention": {"current": retention, "previous": retention,
                "series": [{"date": "2026-11-29", "retention": rate(0, 0, "0")}]},
            "frequency": {"current": frequency, "previous": frequency,
                "series": [{"date": "2026-11-29", "sales": 2, "average_basket": 9_250}]},
            "top_coupons": [{"coupon_id": 4, "code": "PROMO10", "kind": "GENERIC", "uses": 1, "discount": 1_000}],
            "revenue_by_segment": [
                {"level": "STANDARD", "sales": 1, "revenue": 10_000, "previous_revenue": 0, "share": rate(10_000, 28_500, "0.3509")},
                {"level": "GOLD", "sales": 1, "revenue": 9_500, "previous_revenue": 0, "share": rate(9_500, 28_500, "0.3333")},
                {"level": null, "sales": 1, "revenue": 9_000, "previous_revenue": 0, "share": rate(9_000, 28_500, "0.3158")}],
            "targets": []
        }))
        .unwrap()
    }

    #[test]
    fn rates_sit_at_their_whole_percent_and_tell_the_exact_one() {
        let d = dashboard(None);
        let data = identification(Lang::Fr, &d);
        assert_eq!(data.labels, ["29/11", "30/11"]);
        assert_eq!(data.floor, 100, "a rate's axis goes to 100 %");
        let line = &data.series[0];
        assert_eq!(line.values, [Some(50), Some(100)]);
        assert_eq!(
            line.tips[0],
            "29/11/2026 · Taux d’identification : 50\u{a0}% (1/2)"
        );
        assert_eq!(
            whole_percent(&Rate {
                numerator: 2,
                denominator: 3,
                value: "0.6667".into()
            }),
            67
        );
        assert_eq!(
            whole_percent(&Rate {
                numerator: 1,
                denominator: 8,
                value: "0.1250".into()
            }),
            13,
            "half up"
        );
        assert_eq!(whole_percent(&Rate::default()), 0);
    }

    #[test]
    fn a_day_without_sales_has_no_rate_to_draw() {
        let mut d = dashboard(None);
        d.identification.series[0].rate = Rate {
            numerator: 0,
            denominator: 0,
            value: "0".into(),
        };
        d.identification.series[1].rate = Rate {
            numerator: 0,
            denominator: 4,
            value: "0.0000".into(),
        };
        let line = &identification(Lang::Fr, &d).series[0];
        assert_eq!(line.values, [None, Some(0)], "no sale ≠ no identified sale");
    }

    #[test]
    fn revenue_lines_are_the_gross_and_the_net() {
        let data = revenue(Lang::Fr, &dashboard(None));
        let values: Vec<_> = data.series.iter().map(|s| s.values.clone()).collect();
        assert_eq!(
            values,
            [
                vec![Some(20_000), Some(10_000)],
                vec![Some(18_500), Some(10_000)]
            ]
        );
        assert!(data.series[1].tips[0].ends_with("18\u{202f}500\u{a0}FCFA"));
    }

    #[test]
    fn customers_pile_up_by_level_or_show_the_segment_only() {
        let all = customers(Lang::Fr, &dashboard(None));
        let names: Vec<_> = all.series.iter().map(|s| s.name.as_str()).collect();
        assert_eq!(names, ["Standard", "Silver", "Gold", "VIP"]);
        assert_eq!(all.series[2].values, [Some(2), Some(2)]);
        let gold = customers(Lang::Fr, &dashboard(Some("GOLD")));
        assert_eq!(gold.series.len(), 1);
        assert_eq!(gold.series[0].name, "Gold");
        assert!(has_customers(&dashboard(None)));
    }

    #[test]
    fn segments_slices_bars_follow_the_api() {
        let d = dashboard(None);
        let slices = segments(Lang::Fr, &d);
        let keys: Vec<_> = slices.iter().map(|s| s.slice.key.as_str()).collect();
        assert_eq!(keys, ["STANDARD", "GOLD", "ANONYMOUS"]);
        assert_eq!(slices[2].name, "Anonymes");
        assert_eq!(slices[1].share, "33,3\u{a0}%");
        let top = coupons(Lang::Fr, &d);
        assert_eq!(
            (top[0].key.as_str(), top[0].label.as_str(), top[0].value),
            ("PROMO10", "1", 1)
        );
        let bars = baskets(Lang::Fr, &d);
        let keyed: Vec<_> = bars.iter().map(|b| (b.key.as_str(), b.value)).collect();
        assert_eq!(
            keyed,
            [("STANDARD", 10_000), ("GOLD", 9_500), ("ANONYMOUS", 9_000)]
        );
        let gold = baskets(Lang::Fr, &dashboard(Some("GOLD")));
        assert!(
            gold.iter().all(|b| b.key != "ANONYMOUS"),
            "no anonymous sale in a segment"
        );
        assert!(has_sales(&d));
    }

    #[test]
    fn an_empty_period_has_nothing_to_draw() {
        let mut d = dashboard(None);
        d.discounts.current.sales = 0;
        assert!(!has_sales(&d));
        d.customer_base.current.total = 0;
        for p in &mut d.customer_base.series {
            p.levels = Default::default();
        }
        assert!(!has_customers(&d));
    }
}
