//! The analysis on screen: its progress (`components::JobProgress`), then its result —
//! the customers per level before and after (table and bars), promotions, demotions,
//! customers held by the soft landing, coupons — and, after a simulation, « Appliquer »
//! with a confirmation step.

use crm_api_types::loyalty::Analysis;
use crm_domain::loyalty::AnalysisSummary;
use crm_domain::money::group_thousands;
use crm_domain::Level;
use leptos::prelude::*;

use super::analysis::AnalysisState;
use super::{level_badge, rules};
use crate::components::chart::{Bar, BarChart, Titles};
use crate::components::{JobProgress, Msg};
use crate::format::{date_time, level_key};
use crate::i18n::{text, use_i18n, I18n, Lang};

/// The analysis on screen.
#[component]
pub(super) fn Report(state: AnalysisState) -> impl IntoView {
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let apply_error = RwSignal::new(None::<Msg>);

    let progress = move || {
        state.current.get().map(|a| {
            let id = a.id;
            let dry_run = a.dry_run;
            let title = move || {
                let kind = if dry_run {
                    i18n.t("loyalty.mode.dry_run")
                } else {
                    i18n.t("loyalty.mode.apply")
                };
                format!(
                    "{} {} {id} · {kind}",
                    i18n.t("loyalty.analysis.name"),
                    i18n.t("coupons.no_sign")
                )
            };
            let succeeded = {
                let a = a.clone();
                move || outcome(i18n, state, a, confirming, busy, apply_error)
            };
            view! {
                <JobProgress
                    id="analysis"
                    job=a
                    title=Signal::derive(title)
                    unit=("loyalty.customer_word", "loyalty.customers_word")
                    hint="loyalty.job_hint"
                    succeeded=succeeded
                    failed=move || view! { <p class="hint">{i18n.tr("loyalty.failed_hint")}</p> }
                />
            }
        })
    };

    view! {
        <section class="card analysis-card" aria-live="polite">
            {progress}
        </section>
    }
}

/// The result of a succeeded analysis and, after a simulation, « Appliquer ».
fn outcome(
    i18n: I18n,
    state: AnalysisState,
    a: Analysis,
    confirming: RwSignal<bool>,
    busy: RwSignal<bool>,
    apply_error: RwSignal<Option<Msg>>,
) -> AnyView {
    let Some(summary) = a.result else {
        return ().into_any();
    };
    let when = if a.dry_run {
        "loyalty.result.as_of_dry"
    } else {
        "loyalty.result.as_of_apply"
    };
    let apply = (a.dry_run && state.can_run.get_untracked()).then(|| {
        let request = rules::apply_request(&a);
        let changes = rules::level_changes(&summary);
        let coupons = summary.coupons_issued;
        let confirm = move |_| {
            confirming.set(false);
            state.start(request.clone(), busy, apply_error);
        };
        view! {
            <div class="apply-box">
                <Show
                    when=move || confirming.get()
                    fallback=move || view! {
                        <button
                            id="analysis-apply"
                            class="button button-primary"
                            type="button"
                            on:click=move |_| {
                                apply_error.set(None);
                                confirming.set(true);
                            }
                        >
                            {i18n.tr("loyalty.apply.button")}
                        </button>
                    }
                >
                    <div id="analysis-apply-confirm" class="notice-inline apply-confirm" role="alertdialog" aria-labelledby="analysis-apply-text">
                        <p id="analysis-apply-text">
                            {move || apply_sentence(i18n.lang(), changes, coupons)}
                        </p>
                        <div class="actions">
                            <button
                                id="analysis-apply-confirm-button"
                                class="button button-danger"
                                type="button"
                                disabled=move || busy.get()
                                on:click=confirm.clone()
                            >
                                {i18n.tr("loyalty.apply.confirm")}
                            </button>
                            <button
                                id="analysis-apply-cancel"
                                class="button"
                                type="button"
                                on:click=move |_| confirming.set(false)
                            >
                                {i18n.tr("loyalty.apply.cancel")}
                            </button>
                        </div>
                    </div>
                </Show>
                <Show when=move || apply_error.with(Option::is_some)>
                    <p id="analysis-apply-error" class="form-error" role="alert">
                        {move || apply_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                    </p>
                </Show>
            </div>
        }
    });
    view! {
        <div id="analysis-result" class="analysis-result" data-dry-run=a.dry_run.to_string()>
            <p class="muted result-when">
                {i18n.tr(when)} " " <strong>{date_time(summary.as_of)}</strong>
                " · " {group_thousands(summary.customers)} " " {i18n.tr("loyalty.customers_word")}
                {summary.generate_coupons.then(|| view! { " · " {i18n.tr("loyalty.result.with_coupons")} })}
            </p>
            {figures(i18n, &summary)}
            {levels(i18n, &summary)}
            {apply}
        </div>
    }
    .into_any()
}

/// "Appliquer la simulation : 5 clients changeront de niveau. Jusqu’à 1 coupons…".
fn apply_sentence(lang: Lang, changes: i64, coupons: i64) -> String {
    let say = |key| text(lang, key);
    let mut sentence = format!(
        "{} {} {}",
        say("loyalty.apply.text_before"),
        group_thousands(changes),
        say("loyalty.apply.text_after")
    );
    if coupons > 0 {
        sentence.push_str(&format!(
            " {} {} {}",
            say("loyalty.apply.coupons_before"),
            group_thousands(coupons),
            say("loyalty.apply.coupons_after")
        ));
    }
    sentence.push(' ');
    sentence.push_str(say("loyalty.apply.final"));
    sentence
}

/// Promotions, demotions, held, coupons.
fn figures(i18n: I18n, s: &AnalysisSummary) -> impl IntoView {
    let coupons_key = if s.dry_run {
        "loyalty.result.coupons_dry"
    } else {
        "loyalty.result.coupons"
    };
    let card = |id: &'static str, key: &'static str, value: i64, class: &'static str| {
        view! {
            <div class=format!("stat summary-card {class}")>
                <dt>{i18n.tr(key)}</dt>
                <dd id=id>{group_thousands(value)}</dd>
            </div>
        }
    };
    let skipped = (s.coupons_skipped > 0).then(|| {
        view! {
            <p class="hint" id="result-coupons-skipped">
                {group_thousands(s.coupons_skipped)} " " {i18n.tr("loyalty.result.coupons_skipped")}
            </p>
        }
    });
    view! {
        <dl class="summary-cards result-cards">
            {card("result-promotions", "loyalty.result.promotions", s.promotions, "stat-up")}
            {card("result-demotions", "loyalty.result.demotions", s.demotions, "stat-down")}
            {card("result-held", "loyalty.result.held", s.held, "")}
            {card("result-coupons", coupons_key, s.coupons_issued, "")}
        </dl>
        {skipped}
    }
}

/// Customers per level before and after: a table and two bar charts on one scale.
fn levels(i18n: I18n, s: &AnalysisSummary) -> impl IntoView {
    let rows = Level::ALL
        .into_iter()
        .map(|level| {
            let (before, after) = (s.before.get(level), s.after.get(level));
            let diff_class = match after.cmp(&before) {
                std::cmp::Ordering::Greater => "amount diff-up",
                std::cmp::Ordering::Less => "amount diff-down",
                std::cmp::Ordering::Equal => "amount muted",
            };
            view! {
                <tr data-level=level.as_str()>
                    <td>{move || level_badge(i18n.lang(), level)}</td>
                    <td class="amount level-before">{group_thousands(before)}</td>
                    <td class="amount level-after">{group_thousands(after)}</td>
                    <td class=diff_class>{rules::difference(before, after)}</td>
                </tr>
            }
        })
        .collect_view();
    let highest = Level::ALL
        .iter()
        .map(|&l| s.before.get(l).max(s.after.get(l)))
        .max()
        .unwrap_or(0);
    let chart = move |id: &'static str,
                      key: &'static str,
                      counts: crm_domain::loyalty::LevelCounts| {
        let lang = i18n.lang();
        let bars = Level::ALL
            .into_iter()
            .map(|level| Bar {
                key: level.as_str().to_owned(),
                label: text(lang, level_key(level)).to_owned(),
                value: counts.get(level),
                tip: format!(
                    "{} : {}",
                    text(lang, level_key(level)),
                    group_thousands(counts.get(level))
                ),
            })
            .collect::<Vec<_>>();
        let label = Signal::derive(move || i18n.t(key).to_string());
        view! {
            <figure class="level-chart">
                <figcaption>{i18n.tr(key)}</figcaption>
                <BarChart titles=Titles { id, label, unit: "" } bars=bars floor=highest.max(4) />
            </figure>
        }
    };
    let (before, after) = (s.before, s.after);
    view! {
        <div class="levels-grid">
            <table id="result-levels" class="table loyalty-table">
                <caption class="card-subtitle">{i18n.tr("loyalty.result.levels")}</caption>
                <thead>
                    <tr>
                        <th>{i18n.tr("loyalty.level")}</th>
                        <th class="amount">{i18n.tr("loyalty.result.before")}</th>
                        <th class="amount">{i18n.tr("loyalty.result.after")}</th>
                        <th class="amount">{i18n.tr("loyalty.result.difference")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
            <div class="level-charts">
                {move || chart("levels-before-chart", "loyalty.result.before", before)}
                {move || chart("levels-after-chart", "loyalty.result.after", after)}
            </div>
        </div>
    }
}
