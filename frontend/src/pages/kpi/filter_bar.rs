//! The dashboard's filters: the period (7 to 365 days, or « Personnalisée » typed as two
//! days `jj/mm/aaaa` — `components::day_range`, as in « Mes ventes ») and the segment
//! (Tous, Standard, Silver, Gold, VIP), with the export and print buttons at the end of
//! the bar. Buttons in the Tab order, applied by Enter or
//! Space like any button; the two days are applied by Enter or « Appliquer ».

use leptos::prelude::*;

use super::filters::{segment_name, segments, Period, CUSTOM, PERIODS};
use super::Dashboard;
use crate::components::day_range::{custom_range, day_field, RangeProblem, DAY_FORMAT};
use crate::format::level_key;
use crate::i18n::use_i18n;

/// The period and segment filters.
#[component]
pub(super) fn FilterBar(state: Dashboard) -> impl IntoView {
    let i18n = use_i18n();
    // The custom period's fields: open while it is chosen or being typed.
    let custom_open = RwSignal::new(false);
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    // Why « Appliquer » did not apply (shown until the days change).
    let problem = RwSignal::new(None::<RangeProblem>);

    // The URL says which period is on: a custom one fills the fields (a reload, a shared
    // link, « Retour »), another one closes them.
    Effect::new(move |_| match state.filters.get().period {
        Period::Custom { from: f, to: t } => {
            from.set(f.format(DAY_FORMAT).to_string());
            to.set(t.format(DAY_FORMAT).to_string());
            problem.set(None);
            custom_open.set(true);
        }
        Period::Last(_) => custom_open.set(false),
    });

    let choose_last = move |name: &'static str| {
        custom_open.set(false);
        state.go(state
            .filters
            .get_untracked()
            .with_period(Period::Last(name)));
    };
    let open_custom = move || {
        if from.get_untracked().is_empty() || to.get_untracked().is_empty() {
            // Start from the days on screen.
            if let Some(d) = state.data.get_untracked() {
                from.set(d.period.first_day.format(DAY_FORMAT).to_string());
                to.set(d.period.last_day.format(DAY_FORMAT).to_string());
            }
        }
        custom_open.set(true);
        // The first day's field takes the focus once it is drawn.
        request_animation_frame(move || {
            if let Ok(Some(input)) = document().query_selector("#kpi-from") {
                if let Ok(input) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(input) {
                    let _ = input.focus();
                }
            }
        });
    };
    let apply = move || match custom_range(&from.get_untracked(), &to.get_untracked()) {
        Ok((f, t)) => {
            problem.set(None);
            state.go(state
                .filters
                .get_untracked()
                .with_period(Period::Custom { from: f, to: t }));
        }
        Err(p) => problem.set(Some(p)),
    };

    let period_buttons = PERIODS
        .into_iter()
        .map(|name| {
            let pressed = move || !custom_open.get() && state.filters.get().period_name() == name;
            view! {
                <button
                    type="button"
                    class="button period-button"
                    class:active=pressed
                    data-period=name
                    aria-pressed=move || pressed().to_string()
                    on:click=move |_| choose_last(name)
                >
                    {i18n.tr(button_key(name))}
                </button>
            }
        })
        .collect_view();
    let custom_pressed = move || custom_open.get();
    let segment_buttons = segments()
        .into_iter()
        .map(|segment| {
            let pressed = move || state.filters.get().segment == segment;
            let label = move || match segment {
                Some(level) => i18n.t(level_key(level)),
                None => i18n.t("kpi.segment.all"),
            };
            view! {
                <button
                    type="button"
                    class="button period-button"
                    class:active=pressed
                    data-segment=segment_name(segment)
                    aria-pressed=move || pressed().to_string()
                    on:click=move |_| state.go(state.filters.get_untracked().with_segment(segment))
                >
                    {label}
                </button>
            }
        })
        .collect_view();

    let problem_text = move || match problem.get() {
        Some(RangeProblem::Reversed) => Some(i18n.t("sales.date_order")),
        Some(RangeProblem::Incomplete) => Some(i18n.t("sales.custom_hint")),
        Some(RangeProblem::Invalid) => Some(i18n.t("sales.date_invalid")),
        None => None,
    };

    view! {
        <section class="card kpi-filters" aria-label=i18n.tr("kpi.filters")>
            <div class="kpi-filter-group">
                <span class="field-label" id="kpi-period-label">{i18n.tr("kpi.period")}</span>
                <div class="period-buttons" role="group" aria-labelledby="kpi-period-label">
                    {period_buttons}
                    <button
                        type="button"
                        class="button period-button"
                        class:active=custom_pressed
                        data-period=CUSTOM
                        aria-pressed=move || custom_pressed().to_string()
                        aria-expanded=move || custom_pressed().to_string()
                        aria-controls="kpi-custom"
                        on:click=move |_| open_custom()
                    >
                        {i18n.tr("period.custom")}
                    </button>
                </div>
            </div>
            <div class="kpi-filter-group">
                <span class="field-label" id="kpi-segment-label">{i18n.tr("kpi.segment")}</span>
                <div class="period-buttons" role="group" aria-labelledby="kpi-segment-label">
                    {segment_buttons}
                </div>
            </div>
            <Show when=move || custom_open.get()>
                <form
                    id="kpi-custom"
                    class="kpi-custom"
                    novalidate=true
                    on:submit=move |ev| {
                        ev.prevent_default();
                        apply();
                    }
                >
                    <div class="custom-range">
                        {day_field(i18n, "kpi-from", "sales.from", from, move || problem.set(None))}
                        {day_field(i18n, "kpi-to", "sales.to", to, move || problem.set(None))}
                    </div>
                    <button id="kpi-apply" class="button button-primary kpi-apply" type="submit">
                        {i18n.tr("kpi.apply")}
                    </button>
                    <p id="kpi-custom-problem" class="date-error" role="alert">{problem_text}</p>
                </form>
            </Show>
            <super::actions::Actions state=state />
        </section>
    }
}

/// The string key of a period button (`7 jours`).
fn button_key(name: &str) -> &'static str {
    match name {
        "7d" => "kpi.period.7d",
        "90d" => "kpi.period.90d",
        "180d" => "kpi.period.180d",
        "365d" => "kpi.period.365d",
        _ => "kpi.period.30d",
    }
}
