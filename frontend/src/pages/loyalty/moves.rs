//! The moves of the analysis on screen: one row per customer whose level changes (or is
//! held by the soft landing), filtered by kind, a page at a time, and « Exporter CSV ».

use crm_api_types::loyalty::{LoyaltyMove, MovePage};
use crm_domain::job::JobStatus;
use crm_domain::loyalty::MoveKind;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::analysis::AnalysisState;
use super::{level_badge, rules};
use crate::api;
use crate::components::{Msg, Pager};
use crate::files::download_csv;
use crate::i18n::{use_i18n, I18n};

/// The moves list (shown once the analysis succeeded).
#[component]
pub(super) fn Moves(state: AnalysisState) -> impl IntoView {
    let i18n = use_i18n();
    let auth = state.auth;
    // The analysis whose moves can be read: on screen and succeeded.
    let ready = Memo::new(move |_| {
        state.current.with(|c| {
            c.as_ref()
                .filter(|a| a.status == JobStatus::Succeeded)
                .map(|a| a.id)
        })
    });
    let kind = RwSignal::new(None::<MoveKind>);
    let page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);
    let data = RwSignal::new(None::<MovePage>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let exporting = RwSignal::new(false);
    let seq = StoredValue::new(0u64);

    Effect::new(move |_| {
        reload.track();
        let Some(id) = ready.get() else {
            return;
        };
        let (kind, page) = (kind.get(), page.get());
        let n = seq.get_value() + 1;
        seq.set_value(n);
        loading.set(true);
        spawn_local(async move {
            let result = api::analysis_moves(auth, id, kind, page, rules::MOVES_PER_PAGE).await;
            if seq.try_get_value() != Some(n) {
                return;
            }
            loading.set(false);
            match result {
                Ok(p) => {
                    error.set(None);
                    data.set(Some(p));
                }
                Err(e) => error.set(Some(Msg::Api(e))),
            }
        });
    });

    let export = move |_| {
        let Some(id) = ready.get_untracked() else {
            return;
        };
        if exporting.get_untracked() {
            return;
        }
        exporting.set(true);
        let filter = kind.get_untracked();
        spawn_local(async move {
            let mut path = format!("/loyalty/analyses/{id}/moves/export");
            if let Some(k) = filter {
                path.push_str(&format!("?kind={}", k.as_str()));
            }
            let result = download_csv(auth, &path, &format!("fidelite-analyse-{id}.csv")).await;
            exporting.try_set(false);
            if let Err(msg) = result {
                error.try_set(Some(msg));
            }
        });
    };

    let kind_options = move || {
        MoveKind::ALL
            .into_iter()
            .map(|k| {
                view! {
                    <option value=k.as_str() selected=move || kind.get() == Some(k)>
                        {i18n.tr(rules::kind_key(k))}
                    </option>
                }
            })
            .collect_view()
    };

    let rows = move || {
        let items = data.with(|d| d.as_ref().map(|p| p.items.clone()).unwrap_or_default());
        if items.is_empty() {
            let key = if data.with(Option::is_none) {
                "shell.loading"
            } else {
                "loyalty.moves.empty"
            };
            return view! {
                <tr class="empty-row">
                    <td colspan="9" class="empty empty-state" id="moves-empty">{i18n.tr(key)}</td>
                </tr>
            }
            .into_any();
        }
        items
            .into_iter()
            .map(|m| move_row(i18n, m))
            .collect_view()
            .into_any()
    };

    view! {
        <Show when=move || ready.get().is_some()>
            <section class="card moves-card">
                <header class="card-head">
                    <h2 class="card-title">{i18n.tr("loyalty.moves.title")}</h2>
                    <div class="actions">
                        <label class="field field-inline">
                            <span class="field-label">{i18n.tr("loyalty.moves.kind")}</span>
                            <select
                                id="moves-kind"
                                on:change=move |ev| {
                                    page.set(1);
                                    kind.set(rules::parse_kind(&event_target_value(&ev)));
                                }
                            >
                                <option value="" selected=move || kind.get().is_none()>
                                    {i18n.tr("loyalty.moves.all")}
                                </option>
                                {kind_options}
                            </select>
                        </label>
                        <button
                            id="moves-export"
                            class="button"
                            type="button"
                            disabled=move || exporting.get()
                            on:click=export
                        >
                            {move || if exporting.get() { i18n.t("coupons.exporting") } else { i18n.t("loyalty.moves.export") }}
                        </button>
                    </div>
                </header>
                <Show when=move || error.with(Option::is_some)>
                    <div id="moves-error" class="form-error" role="alert">
                        <p>{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                        <button
                            class="button button-small"
                            type="button"
                            on:click=move |_| reload.update(|n| *n = n.wrapping_add(1))
                        >
                            {i18n.tr("loyalty.retry")}
                        </button>
                    </div>
                </Show>
                <div class="table-scroll">
                    <table id="moves-list" class="table loyalty-table moves-table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("loyalty.moves.customer")}</th>
                                <th>{i18n.tr("loyalty.moves.move")}</th>
                                <th>{i18n.tr("loyalty.moves.levels")}</th>
                                <th class="amount">{i18n.tr("loyalty.moves.score")}</th>
                                <th class="amount" title=i18n.tr("loyalty.policy.frequency")>{i18n.tr("loyalty.moves.frequency")}</th>
                                <th class="amount" title=i18n.tr("loyalty.policy.regularity")>{i18n.tr("loyalty.moves.regularity")}</th>
                                <th class="amount" title=i18n.tr("loyalty.policy.recency")>{i18n.tr("loyalty.moves.recency")}</th>
                                <th class="amount" title=i18n.tr("loyalty.policy.amount")>{i18n.tr("loyalty.moves.amount")}</th>
                                <th>{i18n.tr("loyalty.moves.coupon")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <Pager
                    id="moves"
                    label="loyalty.moves.title"
                    page=page
                    totals=Signal::derive(move || data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                    busy=loading
                    count_suffix="loyalty.moves.count_suffix"
                />
            </section>
        </Show>
    }
}

fn move_row(i18n: I18n, m: LoyaltyMove) -> impl IntoView {
    let kind = m.kind;
    let kind_class = format!("badge move move-{}", kind.as_str().to_lowercase());
    let (from, to) = (m.from_level, m.to_level);
    let c = m.criteria;
    view! {
        <tr class="move-row" data-kind=kind.as_str() data-customer-id=m.customer_id data-to=to.as_str()>
            <td>
                <span class="move-name">{m.name.clone()}</span>
                <div class="muted cell-note mono">{m.customer_number.clone().unwrap_or_default()}</div>
            </td>
            <td><span class=kind_class>{i18n.tr(rules::kind_key(kind))}</span></td>
            <td class="nowrap move-levels">
                {move || level_badge(i18n.lang(), from)}
                <span class="arrow" aria-hidden="true">" → "</span>
                {move || level_badge(i18n.lang(), to)}
            </td>
            <td class="amount"><strong>{m.score}</strong><span class="muted">" /100"</span></td>
            <td class="amount">{c.frequency}</td>
            <td class="amount">{c.regularity}</td>
            <td class="amount">{c.recency}</td>
            <td class="amount">{c.amount}</td>
            <td>{m.coupon_code.clone().map(|code| view! { <code class="coupon-code">{code}</code> })}</td>
        </tr>
    }
}
