//! The six KPI cards (`summary.rs` says what each one holds): value, change against the
//! previous period (arrow and colour), previous value, the figures behind it and the
//! target, met or not. Before the first answer, each card shows « — ».

use leptos::prelude::*;

use super::summary::{cards, Card};
use super::Dashboard;
use crate::i18n::{use_i18n, I18n};

/// The card titles before the first answer, in order.
const TITLES: [(&str, &str); 6] = [
    ("kpi-identification", "kpi.identification"),
    ("kpi-customers", "kpi.customers"),
    ("kpi-coupons", "kpi.coupons"),
    ("kpi-discounts", "kpi.discounts"),
    ("kpi-retention", "kpi.retention"),
    ("kpi-frequency", "kpi.frequency"),
];

/// The cards.
#[component]
pub(super) fn Cards(state: Dashboard) -> impl IntoView {
    let i18n = use_i18n();
    let drawn = move || {
        let lang = i18n.lang();
        state.data.with(|d| match d {
            Some(d) => cards(lang, d)
                .into_iter()
                .map(|c| card(i18n, c))
                .collect_view()
                .into_any(),
            None => TITLES
                .into_iter()
                .map(|(id, title)| {
                    view! {
                        <article class="card kpi-card" id=id>
                            <h2 class="kpi-title">{i18n.t(title)}</h2>
                            <p class="kpi-value">"—"</p>
                        </article>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    view! { <div class="kpi-cards">{drawn}</div> }
}

fn card(i18n: I18n, c: Card) -> impl IntoView {
    // From nothing, a change in percent means nothing: « n.s. », said in full on hover.
    let change_title = c
        .change
        .text
        .is_none()
        .then(|| i18n.t("kpi.change.no_base_title"));
    let change_text = c
        .change
        .text
        .clone()
        .unwrap_or_else(|| i18n.t("kpi.change.no_base").to_owned());
    let change_class = format!("kpi-change {}", c.change.tone.class());
    let target = c.target.map(|t| {
        let (badge, key) = if t.met {
            ("badge target-met", "kpi.target.met")
        } else {
            ("badge target-missed", "kpi.target.missed")
        };
        let measured = t.measured.map(|m| view! { <span class="kpi-measured">{m}</span> });
        view! {
            <p class="kpi-target" data-met=t.met.to_string()>
                <span>{i18n.t("kpi.target")} " " <strong class="kpi-threshold">{t.threshold}</strong></span>
                {measured}
                <span class=badge>{i18n.t(key)}</span>
            </p>
        }
    });
    let note = c
        .value_note
        .map(|n| view! { <span class="kpi-value-note">{n}</span> });
    let details = c
        .details
        .into_iter()
        .map(|line| view! { <li>{line}</li> })
        .collect_view();
    view! {
        <article class="card kpi-card" id=c.id data-direction=c.change.direction.name()>
            <h2 class="kpi-title">{i18n.t(c.title)}</h2>
            <p class="kpi-figure">
                <span class="kpi-value">{c.value}</span>
                {note}
            </p>
            <p class="kpi-evolution">
                <span class=change_class title=change_title>
                    <span class="kpi-arrow" aria-hidden="true">{c.change.direction.arrow()}</span>
                    " "
                    <span class="kpi-change-text">{change_text}</span>
                </span>
                <span class="muted kpi-previous">
                    {i18n.t("kpi.previous")} " " <span class="kpi-previous-value">{c.previous}</span>
                </span>
            </p>
            <ul class="kpi-details">{details}</ul>
            {target}
        </article>
    }
}
