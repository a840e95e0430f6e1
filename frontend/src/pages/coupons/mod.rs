//! `/coupons`: the marketing back office of coupons (SPEC §3) — figures, filters and a
//! paginated list, a coupon's detail with its uses, creation, deactivation, the CSV
//! export, and the bulk issue of SPECIAL coupons followed live (`GET /jobs/{id}` every
//! half second) until its codes can be downloaded.
//!
//! Marketing and admins read and write; the general manager (DG) reads only: the
//! "Nouveau coupon", "Émission groupée" and "Désactiver" buttons are not shown to them.
//!
//! This file holds the page (figures, filters, list, pagination, the side panels) and
//! the helpers its parts share; the panels live in `detail` (a coupon and its uses),
//! `form` ("Nouveau coupon", with the customer search of `picker`) and `bulk` (the
//! bulk issue and its job).

mod bulk;
mod detail;
mod form;
mod picker;

use chrono::NaiveDate;
use crm_api_types::{Coupon, CouponPage, Job};
use crm_domain::coupon::{CouponKind, CouponStatus, DiscountKind};
use crm_domain::money::group_thousands;
use crm_domain::{Capability, Role};
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, encode};
use crate::auth::use_auth;
use crate::components::{follow_job, is_finished, Msg, Pager, ProgressBar};
use crate::files::download_csv;
use crate::format::money;
use crate::i18n::{lookup, use_i18n, I18n, Lang};

use bulk::BulkIssue;
use detail::CouponDetail;
use form::CouponForm;

const PER_PAGE: u64 = 20;
const LEVELS: [&str; 4] = ["STANDARD", "SILVER", "GOLD", "VIP"];

/// The side panel on screen.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Panel {
    Closed,
    Create,
    Bulk,
    Detail(i64),
}

/// Whether `role` may create, deactivate and issue coupons (the rule is the domain's).
fn can_write(role: Option<Role>) -> bool {
    role.is_some_and(|r| r.grants(Capability::CrmWrite))
}

/// `31/12/2026`.
fn day(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// `10 %` or `1 000 FCFA`.
fn value_label(discount_kind: &str, value: i64) -> String {
    if discount_kind == DiscountKind::Percent.as_str() {
        format!("{value}\u{a0}%")
    } else {
        money(value)
    }
}

/// The label of a coded value (`coupon.status.ACTIVE` → `Actif`), or the code itself.
fn label(lang: Lang, prefix: &str, code: &str) -> String {
    lookup(lang, &format!("{prefix}.{code}"))
        .map(str::to_string)
        .unwrap_or_else(|| code.to_string())
}

/// `3 / 100` (uses out of the cap), or `3` when unlimited.
fn uses_label(uses: u32, cap: Option<u32>) -> String {
    let uses = group_thousands(i64::from(uses));
    match cap {
        Some(cap) => format!("{uses} / {}", group_thousands(i64::from(cap))),
        None => uses,
    }
}

/// The page.
#[component]
pub fn CouponsPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let writer = Memo::new(move |_| can_write(auth.role()));

    let kind = RwSignal::new(String::new());
    let status = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let job_filter = RwSignal::new(None::<i64>);
    let page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);

    let data = RwSignal::new(None::<CouponPage>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let flash = RwSignal::new(None::<Msg>);
    let seq = StoredValue::new(0u64);
    let panel = RwSignal::new(Panel::Closed);
    let confirming = RwSignal::new(None::<i64>);
    let exporting = RwSignal::new(false);
    // The bulk issue under way (or the last one), followed even with its panel closed.
    let job = RwSignal::new(None::<Job>);
    let job_error = RwSignal::new(None::<Msg>);

    let filters = Memo::new(move |_| {
        let mut q = Vec::new();
        let k = kind.get();
        if !k.is_empty() {
            q.push(format!("kind={k}"));
        }
        let s = status.get();
        if !s.is_empty() {
            q.push(format!("status={s}"));
        }
        let t = text.get();
        if !t.trim().is_empty() {
            q.push(format!("q={}", encode(t.trim())));
        }
        if let Some(id) = job_filter.get() {
            q.push(format!("job_id={id}"));
        }
        q.join("&")
    });

    Effect::new(move |_| {
        reload.track();
        let q = format!("{}&page={}&per_page={PER_PAGE}", filters.get(), page.get());
        let n = seq.get_value() + 1;
        seq.set_value(n);
        loading.set(true);
        spawn_local(async move {
            let result = api::coupons(auth, q.trim_start_matches('&')).await;
            if seq.try_get_value() != Some(n) {
                return; // a newer request is on its way, or the page is gone
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

    let refresh = move || reload.update(|n| *n = n.wrapping_add(1));

    let deactivate = move |id: i64| {
        confirming.set(None);
        spawn_local(async move {
            match api::deactivate_coupon(auth, id).await {
                Ok(c) => {
                    flash.try_set(Some(Msg::KeyWith("coupons.deactivated", c.code)));
                    reload.try_update(|n| *n = n.wrapping_add(1));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let export = move |_| {
        if exporting.get_untracked() {
            return;
        }
        exporting.set(true);
        let q = filters.get_untracked();
        spawn_local(async move {
            let path = if q.is_empty() {
                "/coupons/export".to_string()
            } else {
                format!("/coupons/export?{q}")
            };
            let result = download_csv(auth, &path, "coupons.csv").await;
            exporting.try_set(false);
            if let Err(msg) = result {
                error.try_set(Some(msg));
            }
        });
    };

    let close = move || {
        panel.set(Panel::Closed);
        confirming.set(None);
    };
    let escape = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && panel.get_untracked() != Panel::Closed {
            ev.prevent_default();
            close();
        }
    });
    on_cleanup(move || escape.remove());

    let on_created = Callback::new(move |c: Coupon| {
        panel.set(Panel::Closed);
        flash.set(Some(Msg::KeyWith("coupons.created", c.code)));
        page.set(1);
        refresh();
    });
    let on_started = Callback::new(move |j: Job| {
        let id = j.id;
        let finished = is_finished(&j);
        job_error.set(None);
        job.set(Some(j));
        if finished {
            refresh();
        } else {
            follow_job(auth, id, job, job_error, move || {
                reload.try_update(|n| *n = n.wrapping_add(1));
            });
        }
    });
    let on_show_codes = Callback::new(move |id: i64| {
        panel.set(Panel::Closed);
        kind.set(String::new());
        status.set(String::new());
        text.set(String::new());
        page.set(1);
        job_filter.set(Some(id));
    });
    let on_deactivate = Callback::new(move |id: i64| deactivate(id));
    let on_close = Callback::new(move |()| close());

    let card = move |id: &'static str, key: &'static str, value: fn(&CouponPage) -> String| {
        view! {
            <div class="stat summary-card">
                <dt>{i18n.tr(key)}</dt>
                <dd id=id>
                    {move || data.with(|d| d.as_ref().map(value).unwrap_or_else(|| "—".into()))}
                </dd>
            </div>
        }
    };

    let kind_options = move || {
        let lang = i18n.lang();
        [CouponKind::Generic, CouponKind::Special]
            .into_iter()
            .map(|k| {
                let code = k.as_str();
                view! {
                    <option value=code selected=move || kind.get() == code>
                        {label(lang, "coupon.kind", code)}
                    </option>
                }
            })
            .collect_view()
    };
    let status_options = move || {
        let lang = i18n.lang();
        [
            CouponStatus::Active,
            CouponStatus::Exhausted,
            CouponStatus::Inactive,
            CouponStatus::Expired,
        ]
        .into_iter()
        .map(|s| {
            let code = s.as_str();
            view! {
                <option value=code selected=move || status.get() == code>
                    {label(lang, "coupon.status", code)}
                </option>
            }
        })
        .collect_view()
    };

    let rows = move || {
        let items = data.with(|d| d.as_ref().map(|p| p.items.clone()).unwrap_or_default());
        let write = writer.get();
        if items.is_empty() {
            return view! {
                <tr class="empty-row">
                    <td colspan="7" class="empty empty-state" id="coupons-empty">
                        {i18n.tr("coupons.empty")}
                    </td>
                </tr>
            }
            .into_any();
        }
        items
            .into_iter()
            .map(|c| coupon_row(i18n, c, write, panel, confirming, on_deactivate))
            .collect_view()
            .into_any()
    };

    let panel_view = move || {
        match panel.get() {
        Panel::Closed => ().into_any(),
        Panel::Create => view! {
            <Drawer id="coupon-create" title="coupons.create_title" wide=true on_close=on_close>
                <CouponForm on_created=on_created on_cancel=on_close />
            </Drawer>
        }
        .into_any(),
        Panel::Bulk => view! {
            <Drawer id="bulk-issue" title="coupons.bulk_title" wide=true on_close=on_close>
                <BulkIssue job=job job_error=job_error on_started=on_started on_show_codes=on_show_codes />
            </Drawer>
        }
        .into_any(),
        Panel::Detail(id) => view! {
            <Drawer id="coupon-detail" title="coupons.detail_title" wide=true on_close=on_close>
                <CouponDetail id=id writer=writer.get_untracked() on_deactivate=on_deactivate reload=reload />
            </Drawer>
        }
        .into_any(),
    }
    };

    // The bulk issue under way, visible on the page while its panel is closed.
    let job_banner = move || {
        job.get()
            .filter(|j| panel.get() != Panel::Bulk && !is_finished(j))
            .map(|j| {
                view! {
                    <button
                        type="button"
                        id="bulk-banner"
                        class="job-banner"
                        on:click=move |_| panel.set(Panel::Bulk)
                    >
                        <span>{i18n.tr("coupons.bulk_running")} " " {i18n.tr("coupons.no_sign")} " " {j.id}</span>
                        <ProgressBar id="bulk-banner-progress" percent=j.progress />
                        <span class="mono">{j.progress} "\u{a0}%"</span>
                    </button>
                }
            })
    };

    view! {
        <div class="page coupons-page" data-page="coupons">
            <header class="page-header coupons-header">
                <div>
                    <h1>{i18n.tr("coupons.title")}</h1>
                    <p class="muted">{i18n.tr("coupons.subtitle")}</p>
                </div>
                <div class="actions">
                    <button
                        id="coupons-export"
                        class="button"
                        type="button"
                        disabled=move || exporting.get()
                        on:click=export
                    >
                        {move || if exporting.get() { i18n.t("coupons.exporting") } else { i18n.t("coupons.export") }}
                    </button>
                    <Show when=move || writer.get()>
                        <button
                            id="bulk-issue-open"
                            class="button"
                            type="button"
                            on:click=move |_| panel.set(Panel::Bulk)
                        >
                            {i18n.tr("coupons.bulk")}
                        </button>
                        <button
                            id="coupon-new"
                            class="button button-primary"
                            type="button"
                            on:click=move |_| {
                                flash.set(None);
                                panel.set(Panel::Create);
                            }
                        >
                            "+ " {i18n.tr("coupons.new")}
                        </button>
                    </Show>
                </div>
            </header>
            {job_banner}
            <Show when=move || flash.with(Option::is_some)>
                <p id="coupons-flash" class="flash" role="status">
                    <span>{move || flash.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</span>
                    <button class="icon-button" type="button" title=i18n.tr("coupons.close") on:click=move |_| flash.set(None)>
                        "×"
                    </button>
                </p>
            </Show>
            <dl class="summary-cards">
                {card("coupon-stats-total", "coupons.stats.total", |p| group_thousands(p.stats.total))}
                {card("coupon-stats-active", "coupons.stats.active", |p| group_thousands(p.stats.active))}
                {card("coupon-stats-uses", "coupons.stats.uses", |p| group_thousands(p.stats.uses))}
                {card("coupon-stats-discount", "coupons.stats.discount", |p| money(p.stats.discount_given))}
            </dl>
            <section class="card sales-filters coupon-filters" aria-label=i18n.tr("coupons.filters")>
                <label class="field">
                    <span class="field-label">{i18n.tr("coupons.kind")}</span>
                    <select
                        id="coupon-filter-kind"
                        prop:value=move || kind.get()
                        on:change=move |ev| {
                            page.set(1);
                            kind.set(event_target_value(&ev));
                        }
                    >
                        <option value="">{i18n.tr("coupons.all")}</option>
                        {kind_options}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("coupons.status")}</span>
                    <select
                        id="coupon-filter-status"
                        prop:value=move || status.get()
                        on:change=move |ev| {
                            page.set(1);
                            status.set(event_target_value(&ev));
                        }
                    >
                        <option value="">{i18n.tr("coupons.all")}</option>
                        {status_options}
                    </select>
                </label>
                <label class="field filter-text">
                    <span class="field-label">{i18n.tr("coupons.search")}</span>
                    <input
                        id="coupon-filter-q"
                        type="search"
                        autocomplete="off"
                        placeholder=i18n.tr("coupons.search_placeholder")
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            page.set(1);
                            text.set(event_target_value(&ev));
                        }
                    />
                </label>
                {move || {
                    job_filter
                        .get()
                        .map(|id| {
                            view! {
                                <span id="coupon-filter-job" class="filter-chip">
                                    {i18n.tr("coupons.issue")} " " {i18n.tr("coupons.no_sign")} " " {id}
                                    <button
                                        class="icon-button"
                                        type="button"
                                        title=i18n.tr("coupons.clear_filter")
                                        on:click=move |_| {
                                            page.set(1);
                                            job_filter.set(None);
                                        }
                                    >
                                        "×"
                                    </button>
                                </span>
                            }
                        })
                }}
                <Show when=move || loading.get()>
                    <span class="muted loading" id="coupons-loading">{i18n.tr("sales.loading")}</span>
                </Show>
            </section>
            <Show when=move || error.with(Option::is_some)>
                <p id="coupons-error" class="form-error" role="alert">
                    {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                </p>
            </Show>
            <section class="card">
                <div class="table-scroll">
                    <table id="coupons-list" class="table coupons-table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("coupons.code")}</th>
                                <th>{i18n.tr("coupons.kind")}</th>
                                <th class="amount">{i18n.tr("coupons.discount")}</th>
                                <th>{i18n.tr("coupons.validity")}</th>
                                <th class="amount">{i18n.tr("coupons.uses")}</th>
                                <th>{i18n.tr("coupons.status")}</th>
                                <th class="row-actions"><span class="visually-hidden">{i18n.tr("coupons.actions")}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <Pager
                    id="coupons"
                    label="coupons.title"
                    page=page
                    totals=Signal::derive(move || data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                    busy=loading
                    count_suffix="coupons.count_suffix"
                />
                <p class="hint">{i18n.tr("coupons.open_hint")}</p>
            </section>
            {panel_view}
        </div>
    }
}

/// One line of the list: a click (or Enter) opens the detail.
fn coupon_row(
    i18n: I18n,
    c: Coupon,
    writer: bool,
    panel: RwSignal<Panel>,
    confirming: RwSignal<Option<i64>>,
    on_deactivate: Callback<i64>,
) -> impl IntoView {
    let id = c.id;
    let kind = c.kind.as_str();
    let status = c.status.as_str();
    let status_class = format!("badge status coupon-status-{}", status.to_lowercase());
    let kind_class = format!("badge kind kind-{}", kind.to_lowercase());
    let uses = uses_label(c.uses_count, c.global_cap);
    let active = c.status == CouponStatus::Active;
    let action = (writer && active).then(|| {
        view! {
            <button
                type="button"
                class="button button-small coupon-deactivate"
                class=("button-danger", move || confirming.get() == Some(id))
                data-coupon-id=id
                on:click=move |ev| {
                    ev.stop_propagation();
                    if confirming.get_untracked() == Some(id) {
                        on_deactivate.run(id);
                    } else {
                        confirming.set(Some(id));
                    }
                }
                on:keydown=move |ev: KeyboardEvent| ev.stop_propagation()
            >
                {move || {
                    if confirming.get() == Some(id) {
                        i18n.t("coupons.confirm_deactivate")
                    } else {
                        i18n.t("coupons.deactivate")
                    }
                }}
            </button>
        }
    });
    view! {
        <tr
            class="coupon-row"
            tabindex="0"
            data-coupon-id=id
            data-code=c.code.clone()
            on:click=move |_| panel.set(Panel::Detail(id))
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    panel.set(Panel::Detail(id));
                }
            }
        >
            <td>
                <code class="coupon-code">{c.code.clone()}</code>
                <div class="muted cell-note">{c.description.clone()}</div>
            </td>
            <td>
                <span class=kind_class>{move || label(i18n.lang(), "coupon.kind", kind)}</span>
            </td>
            <td class="amount">{value_label(c.discount_kind.as_str(), c.value)}</td>
            <td class="validity">{day(c.valid_from)} " → " {day(c.valid_to)}</td>
            <td class="amount">{uses}</td>
            <td>
                <span class=status_class>{move || label(i18n.lang(), "coupon.status", status)}</span>
            </td>
            <td class="row-actions">{action}</td>
        </tr>
    }
}

/// A panel sliding in from the right, over a dimmed page (Escape closes it).
#[component]
fn Drawer(
    id: &'static str,
    title: &'static str,
    #[prop(optional)] wide: bool,
    on_close: Callback<()>,
    children: Children,
) -> impl IntoView {
    let i18n = use_i18n();
    let title_id = format!("{id}-title");
    let labelled_by = title_id.clone();
    view! {
        <div class="modal-backdrop" on:click=move |_| on_close.run(())>
            <div
                id=id
                class="modal card drawer"
                class:modal-wide=wide
                role="dialog"
                aria-modal="true"
                aria-labelledby=labelled_by
                on:click=move |ev| ev.stop_propagation()
            >
                <header class="drawer-head">
                    <h2 id=title_id class="card-title">{i18n.tr(title)}</h2>
                    <button
                        class="icon-button drawer-close"
                        type="button"
                        title=i18n.tr("coupons.close")
                        aria-label=i18n.tr("coupons.close")
                        on:click=move |_| on_close.run(())
                    >
                        "×"
                    </button>
                </header>
                {children()}
            </div>
        </div>
    }
}
