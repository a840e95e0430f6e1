//! What each of the six KPI cards says, from `GET /kpis`: its value, its change against
//! the previous period, the previous value, the figures it is made of and its target.
//! Plain Rust, host-tested; `cards.rs` draws them.

use crm_api_types::{KpiDashboard, TargetStatus};
use crm_domain::kpi::Target;
use crm_domain::money::group_thousands;

use super::figures::{
    amount_change, decimal, decimal_change, percent, rate_change, target_of, threshold, Better,
    Change,
};
use crate::format::money;
use crate::i18n::{text, Lang};

/// A target as a card shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TargetLine {
    /// `> 70 %`, `≥ 500`.
    pub threshold: String,
    /// What is measured against it, when it is not the card's value (`3 clients fidèles`).
    pub measured: Option<String>,
    /// Whether this period's exact value meets it.
    pub met: bool,
}

/// One KPI card.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Card {
    /// Element id (`kpi-identification`).
    pub id: &'static str,
    /// String key of its title.
    pub title: &'static str,
    /// Its value (`83,3 %`, `12 500 FCFA`).
    pub value: String,
    /// What the value is, when the title does not say it alone.
    pub value_note: Option<String>,
    /// Against the previous period.
    pub change: Change,
    /// The previous period's value.
    pub previous: String,
    /// The figures behind it, one line each.
    pub details: Vec<String>,
    /// Its target, if SPEC §5 gives one.
    pub target: Option<TargetLine>,
}

fn target_line(
    targets: &[TargetStatus],
    target: Target,
    measured: Option<String>,
) -> Option<TargetLine> {
    target_of(targets, target).map(|t| TargetLine {
        threshold: threshold(t),
        measured,
        met: t.met,
    })
}

/// The six cards, in the SPEC's order.
pub fn cards(lang: Lang, d: &KpiDashboard) -> Vec<Card> {
    let t = |key: &'static str| text(lang, key);
    let segmented = d.segment.is_some();

    let id = &d.identification;
    let identification = Card {
        id: "kpi-identification",
        title: "kpi.identification",
        value: percent(&id.current.value),
        value_note: None,
        change: rate_change(&id.current, &id.previous, Better::Higher),
        previous: percent(&id.previous.value),
        details: vec![format!(
            "{} / {} {}",
            group_thousands(id.current.numerator),
            group_thousands(id.current.denominator),
            t(if segmented {
                "kpi.identification.segment_sales"
            } else {
                "kpi.identification.identified_sales"
            })
        )],
        target: target_line(&d.targets, Target::Identification, None),
    };

    let base = &d.customer_base;
    let customers = Card {
        id: "kpi-customers",
        title: "kpi.customers",
        value: group_thousands(base.current.total),
        value_note: Some(t("kpi.customers.value").to_owned()),
        change: amount_change(base.current.total, base.previous.total, Better::Higher),
        previous: group_thousands(base.previous.total),
        details: vec![
            format!(
                "{} {}",
                group_thousands(base.current.new_customers),
                t("kpi.customers.new")
            ),
            format!(
                "{} {}",
                group_thousands(base.current.loyal),
                t("kpi.customers.loyal")
            ),
        ],
        target: target_line(
            &d.targets,
            Target::LoyalCustomers,
            Some(format!(
                "{} {}",
                t("kpi.customers.loyal_label"),
                group_thousands(base.current.loyal)
            )),
        ),
    };

    let c = &d.coupons.current;
    let coupons = Card {
        id: "kpi-coupons",
        title: "kpi.coupons",
        value: percent(&c.rate.value),
        value_note: None,
        change: rate_change(&c.rate, &d.coupons.previous.rate, Better::Higher),
        previous: percent(&d.coupons.previous.rate.value),
        details: vec![
            format!(
                "{} / {} {}",
                group_thousands(c.rate.numerator),
                group_thousands(c.rate.denominator),
                t("kpi.coupons.used_of_active")
            ),
            format!(
                "{} {} · {} {}",
                group_thousands(c.redemptions),
                t("kpi.coupons.uses"),
                money(c.discount),
                t("kpi.coupons.discount")
            ),
            format!(
                "{} {} · {} {}",
                t("kpi.coupons.generic"),
                percent(&c.generic.value),
                t("kpi.coupons.special"),
                percent(&c.special.value)
            ),
        ],
        target: target_line(&d.targets, Target::CouponUse, None),
    };

    let (m, pm) = (&d.discounts.current, &d.discounts.previous);
    let discounts = Card {
        id: "kpi-discounts",
        title: "kpi.discounts",
        value: money(m.margin_after_discounts),
        value_note: Some(format!(
            "{} ({} {})",
            t("kpi.margin.value"),
            percent(&m.margin_rate.value),
            t("kpi.margin.of_net")
        )),
        change: amount_change(
            m.margin_after_discounts,
            pm.margin_after_discounts,
            Better::Higher,
        ),
        previous: money(pm.margin_after_discounts),
        details: vec![
            format!(
                "{} {} ({} {})",
                t("kpi.discounts.given"),
                money(m.loyalty_discounts.saturating_add(m.coupon_discounts)),
                percent(&m.discount_rate.value),
                t("kpi.discounts.of_gross")
            ),
            format!(
                "{} {} · {} {}",
                t("kpi.discounts.loyalty"),
                money(m.loyalty_discounts),
                t("kpi.discounts.coupons"),
                money(m.coupon_discounts)
            ),
            format!(
                "{} {} → {} {}",
                t("kpi.gross_revenue"),
                money(m.gross_revenue),
                t("kpi.net_revenue"),
                money(m.net_revenue)
            ),
            format!(
                "{} {}",
                t("kpi.margin.before"),
                money(m.margin_before_discounts)
            ),
        ],
        target: None,
    };

    let r = &d.retention;
    let retention = Card {
        id: "kpi-retention",
        title: "kpi.retention",
        value: percent(&r.current.retention.value),
        value_note: None,
        change: rate_change(&r.current.retention, &r.previous.retention, Better::Higher),
        previous: percent(&r.previous.retention.value),
        details: vec![
            format!(
                "{} {} ({})",
                t("kpi.churn"),
                percent(&r.current.churn.value),
                rate_change(&r.current.churn, &r.previous.churn, Better::Lower)
                    .text
                    .unwrap_or_else(|| t("kpi.change.no_base").to_owned())
            ),
            format!(
                "{} / {} {}",
                group_thousands(r.current.retention.numerator),
                group_thousands(r.current.retention.denominator),
                t("kpi.retention.came_back")
            ),
        ],
        target: target_line(&d.targets, Target::Retention, None),
    };

    let (f, pf) = (&d.frequency.current, &d.frequency.previous);
    let basket_change = amount_change(
        f.identified.average_basket,
        pf.identified.average_basket,
        Better::Higher,
    );
    let mut frequency_details = vec![format!(
        "{} {} ({})",
        t("kpi.basket.identified"),
        money(f.identified.average_basket),
        basket_change
            .text
            .clone()
            .unwrap_or_else(|| t("kpi.change.no_base").to_owned())
    )];
    if !segmented {
        frequency_details.push(format!(
            "{} {}",
            t("kpi.basket.anonymous"),
            money(f.anonymous.average_basket)
        ));
    }
    frequency_details.push(format!(
        "{} {} · {} {}",
        group_thousands(f.identified.sales),
        t("kpi.sales_word"),
        group_thousands(f.identified.customers),
        t("kpi.customers_word")
    ));
    let frequency = Card {
        id: "kpi-frequency",
        title: "kpi.frequency",
        value: decimal(&f.identified.frequency.value),
        value_note: Some(t("kpi.frequency.value").to_owned()),
        change: decimal_change(
            &f.identified.frequency.value,
            &pf.identified.frequency.value,
            Better::Higher,
        ),
        previous: decimal(&pf.identified.frequency.value),
        details: frequency_details,
        target: None,
    };

    vec![
        identification,
        customers,
        coupons,
        discounts,
        retention,
        frequency,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pages::kpi::figures::{Direction, Tone};
    use serde_json::json;

    fn rate(numerator: i64, denominator: i64, value: &str) -> serde_json::Value {
        json!({"numerator": numerator, "denominator": denominator, "value": value})
    }

    fn basket(
        sales: i64,
        revenue: i64,
        customers: i64,
        frequency: serde_json::Value,
        average: i64,
    ) -> serde_json::Value {
        json!({"sales": sales, "revenue": revenue, "customers": customers, "frequency": frequency, "average_basket": average})
    }

    /// The figures of the hand-built week of tests/tests/kpis.rs (8–14 March 2026).
    fn week() -> KpiDashboard {
        let base = |total: i64, loyal: i64, new: i64| {
            json!({"levels": {"standard": total - loyal, "silver": 0, "gold": loyal, "vip": 0},
                   "total": total, "loyal": loyal, "new_customers": new})
        };
        let coupons = |r: serde_json::Value, redemptions: i64, discount: i64| {
            json!({"rate": r, "generic": rate(1, 2, "0.5000"), "special": rate(1, 1, "1.0000"),
                   "redemptions": redemptions, "discount": discount})
        };
        let discounts = |sales: i64, gross: i64, net: i64, loyalty: i64, coupon: i64, cost: i64| {
            json!({"sales": sales, "gross_revenue": gross, "loyalty_discounts": loyalty, "coupon_discounts": coupon,
                   "net_revenue": net, "discount_rate": rate(loyalty + coupon, gross, "0.0571"), "cost": cost,
                   "margin_before_discounts": gross - cost, "margin_after_discounts": net - cost,
                   "margin_rate": rate(net - cost, net, "0.3093")})
        };
        let frequency = |identified: serde_json::Value, anonymous: serde_json::Value| json!({"levels": [], "identified": identified, "anonymous": anonymous});
        serde_json::from_value(json!({
            "generated_at": "2026-03-14T18:05:00Z",
            "period": {"kind": "custom", "first_day": "2026-03-08", "last_day": "2026-03-14",
                "previous_first_day": "2026-03-01", "previous_last_day": "2026-03-07", "days": 7, "granularity": "DAY"},
            "segment": null,
            "identification": {"current": rate(5, 6, "0.8333"), "previous": rate(2, 3, "0.6667"), "series": []},
            "customer_base": {"current": base(3, 1, 1), "previous": base(2, 0, 1), "series": []},
            "coupons": {"current": coupons(rate(2, 3, "0.6667"), 2, 2_000), "previous": coupons(rate(1, 3, "0.3333"), 1, 1_000), "series": []},
            "discounts": {"current": discounts(6, 48_000, 45_400, 1_100, 2_000, 30_000),
                          "previous": discounts(3, 22_000, 21_000, 0, 1_000, 13_500), "series": []},
            "retention": {"current": {"retention": rate(2, 2, "1.0000"), "churn": rate(0, 2, "0.0000")},
                          "previous": {"retention": rate(1, 1, "1.0000"), "churn": rate(0, 1, "0.0000")}, "series": []},
            "frequency": {"current": frequency(basket(5, 35_400, 3, rate(5, 3, "1.6667"), 7_080), basket(1, 10_000, 0, rate(0, 0, "0"), 10_000)),
                          "previous": frequency(basket(2, 19_000, 2, rate(2, 2, "1.0000"), 9_500), basket(1, 2_000, 0, rate(0, 0, "0"), 2_000)),
                          "series": []},
            "top_coupons": [],
            "revenue_by_segment": [],
            "targets": [
                {"target": "IDENTIFICATION", "threshold": "0.70", "comparison": ">", "value": "0.8333", "met": true},
                {"target": "LOYAL_CUSTOMERS", "threshold": "500", "comparison": ">=", "value": "1", "met": false},
                {"target": "COUPON_USE", "threshold": "0.40", "comparison": ">", "value": "0.6667", "met": true},
                {"target": "RETENTION", "threshold": "0.80", "comparison": ">", "value": "1.0000", "met": true}]
        }))
        .unwrap()
    }

    #[test]
    fn six_cards_with_their_change_and_target() {
        let cards = cards(Lang::Fr, &week());
        let ids: Vec<_> = cards.iter().map(|c| c.id).collect();
        assert_eq!(
            ids,
            [
                "kpi-identification",
                "kpi-customers",
                "kpi-coupons",
                "kpi-discounts",
                "kpi-retention",
                "kpi-frequency"
            ]
        );
        let [identification, customers, coupons, discounts, retention, frequency] =
            cards.as_slice()
        else {
            panic!("six cards");
        };
        assert_eq!(identification.value, "83,3\u{a0}%");
        assert_eq!(identification.previous, "66,7\u{a0}%");
        assert_eq!(
            identification.change.text.as_deref(),
            Some("+16,7\u{a0}pts")
        );
        assert_eq!(identification.details, ["5 / 6 ventes identifiées"]);
        let target = identification.target.as_ref().unwrap();
        assert_eq!(
            (target.threshold.as_str(), target.met),
            ("> 70\u{a0}%".replace(' ', "\u{a0}").as_str(), true)
        );

        assert_eq!(customers.value, "3");
        assert_eq!(customers.change.text.as_deref(), Some("+50\u{a0}%"));
        let loyal = customers.target.as_ref().unwrap();
        assert_eq!(loyal.threshold, "≥\u{a0}500");
        assert_eq!(loyal.measured.as_deref(), Some("Clients fidèles : 1"));
        assert!(!loyal.met);

        assert_eq!(coupons.value, "66,7\u{a0}%");
        assert_eq!(
            coupons.details[1],
            "2 utilisations · 2\u{202f}000\u{a0}FCFA de remise"
        );

        assert_eq!(discounts.value, "15\u{202f}400\u{a0}FCFA", "net − cost");
        assert_eq!(discounts.previous, "7\u{202f}500\u{a0}FCFA");
        assert_eq!(discounts.change.direction, Direction::Up);
        assert!(discounts.details[0].starts_with("Remises accordées : 3\u{202f}100\u{a0}FCFA"));
        assert!(discounts.target.is_none());

        assert_eq!(retention.value, "100\u{a0}%");
        assert_eq!(retention.change.tone, Tone::Neutral);
        assert_eq!(retention.details[0], "Attrition : 0\u{a0}% (0\u{a0}pt)");

        assert_eq!(frequency.value, "1,7");
        assert_eq!(frequency.change.text.as_deref(), Some("+66,7\u{a0}%"));
        assert_eq!(frequency.details.len(), 3, "identified, anonymous, counts");
    }

    #[test]
    fn a_segment_has_no_anonymous_basket() {
        let mut d = week();
        d.segment = Some(crm_domain::Level::Gold);
        let cards = cards(Lang::En, &d);
        let frequency = cards.last().unwrap();
        assert_eq!(frequency.details.len(), 2);
        assert_eq!(cards[0].details, ["5 / 6 sales made by this segment"]);
    }
}
