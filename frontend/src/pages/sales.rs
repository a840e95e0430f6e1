//! `/ventes`: "Mes ventes" — the cashier's figures for a period, the revenue per day, the
//! top 10 products, the payment split and the list of sales with a reprintable receipt.
//! Directors and admins open on the whole store and may pick one cashier by name.
//!
//! A custom period is typed as `jj/mm/aaaa` (`components::day_range`, shared with the KPI
//! dashboard); it is asked of the server only once both days are whole, valid dates in
//! order, so typing sends nothing and never shows a server error.

use crm_api_types::{
    DayRevenue, PaymentSplit, Receipt, Role, SaleListItem, SalesHistory, Seller, TopProduct,
};
use crm_domain::money::group_thousands;
use crm_domain::sale::PaymentMethod;
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::use_auth;
use crate::components::chart::{doughnut, Bar, BarChart, Doughnut, Slice, Titles};
use crate::components::day_range::{custom_range, day_field, RangeProblem, DAY_FORMAT};
use crate::components::{print, Msg, Pager, ReceiptView};
use crate::format::{date_time, method_label, money, status_label, time};
use crate::i18n::{use_i18n, I18n, Lang};

/// The periods, in button order.
const PERIODS: [&str; 6] = ["today", "week", "month", "7d", "30d", "custom"];
const PER_PAGE: u64 = 20;

/// The page.
#[component]
pub fn SalesPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();

    let period = RwSignal::new("today".to_string());
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    // A manager's choice: `None` is the whole store.
    let cashier = RwSignal::new(None::<i64>);
    let sellers = RwSignal::new(Vec::<Seller>::new());
    let manager = Memo::new(move |_| matches!(auth.role(), Some(Role::Director | Role::Admin)));
    // The days of a custom period, once both are whole and in order.
    let custom = Memo::new(move |_| custom_range(&from.get(), &to.get()).ok());

    let data = RwSignal::new(None::<SalesHistory>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let seq = StoredValue::new(0u64);

    let query = Memo::new(move |_| {
        let p = period.get();
        let mut q = format!("period={p}");
        if p == "custom" {
            let (f, t) = custom.get()?;
            q.push_str(&format!("&from={f}&to={t}"));
        }
        q.push_str(&format!("&page={}&per_page={PER_PAGE}", page.get()));
        if let Some(id) = cashier.get() {
            q.push_str(&format!("&cashier_id={id}"));
        }
        Some((manager.get(), q))
    });

    // The cashier picker's names.
    Effect::new(move |_| {
        if !manager.get() {
            return;
        }
        spawn_local(async move {
            match api::sellers(auth).await {
                Ok(list) => {
                    sellers.try_set(list);
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });

    Effect::new(move |_| {
        let Some((store_wide, q)) = query.get() else {
            return;
        };
        let n = seq.get_value() + 1;
        seq.set_value(n);
        loading.set(true);
        spawn_local(async move {
            let result = if store_wide {
                api::store_sales(auth, &q).await
            } else {
                api::my_sales(auth, &q).await
            };
            if seq.get_value() != n {
                return; // a newer request is on its way
            }
            loading.set(false);
            match result {
                Ok(history) => {
                    error.set(None);
                    data.set(Some(history));
                }
                Err(e) => error.set(Some(Msg::Api(e))),
            }
        });
    });

    let choose = move |p: &'static str| {
        if p == "custom" && (from.get_untracked().is_empty() || to.get_untracked().is_empty()) {
            // Start from the range on screen.
            if let Some(h) = data.get_untracked() {
                from.set(h.from.format(DAY_FORMAT).to_string());
                to.set(h.to.format(DAY_FORMAT).to_string());
            }
        }
        page.set(1);
        period.set(p.to_string());
    };

    // Detail of one sale.
    let detail = RwSignal::new(None::<Receipt>);
    let detail_open = RwSignal::new(None::<i64>);
    let detail_error = RwSignal::new(None::<Msg>);
    let reprint_ref = NodeRef::<html::Button>::new();
    let open = move |id: i64| {
        detail_open.set(Some(id));
        detail.set(None);
        detail_error.set(None);
        spawn_local(async move {
            let result = api::sale(auth, id).await;
            if detail_open.get_untracked() != Some(id) {
                return;
            }
            match result {
                Ok(r) => detail.set(Some(r)),
                Err(e) => detail_error.set(Some(Msg::Api(e))),
            }
        });
    };
    let close = move || {
        if let Some(id) = detail_open.get_untracked() {
            detail_open.set(None);
            detail.set(None);
            let selector = format!(".sale-row[data-sale-id=\"{id}\"]");
            if let Ok(Some(row)) = document().query_selector(&selector) {
                if let Ok(row) = wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(row) {
                    let _ = row.focus();
                }
            }
        }
    };
    // "Réimprimer" takes the focus once the receipt is there (it is disabled before).
    Effect::new(move |_| {
        if reprint_ref.get().is_some() && detail.with(Option::is_some) {
            request_animation_frame(move || {
                if let Some(button) = reprint_ref.get_untracked() {
                    let _ = button.focus();
                }
            });
        }
    });
    let escape = window_event_listener(leptos::ev::keydown, move |ev: KeyboardEvent| {
        if ev.key() == "Escape" && detail_open.with_untracked(Option::is_some) {
            ev.prevent_default();
            close();
        }
    });
    on_cleanup(move || escape.remove());

    let title = move || {
        if auth.role() == Some(Role::Cashier) {
            i18n.t("sales.title.own")
        } else {
            i18n.t("sales.title.all")
        }
    };

    let period_buttons = move || {
        PERIODS
            .into_iter()
            .map(|p| {
                let pressed = move || period.get() == p;
                view! {
                    <button
                        type="button"
                        class="button period-button"
                        class:active=pressed
                        data-period=p
                        aria-pressed=move || if pressed() { "true" } else { "false" }
                        on:click=move |_| choose(p)
                    >
                        {i18n.tr(period_key(p))}
                    </button>
                }
            })
            .collect_view()
    };

    let range = move || {
        data.with(|d| {
            d.as_ref().map(|h| {
                format!(
                    "{} → {}",
                    h.from.format(DAY_FORMAT),
                    h.to.format(DAY_FORMAT)
                )
            })
        })
    };

    let card = move |id: &'static str,
                     key: &'static str,
                     value: Box<dyn Fn(&SalesHistory) -> String + Send + Sync>| {
        view! {
            <div class="stat summary-card">
                <dt>{i18n.tr(key)}</dt>
                <dd id=id>
                    {move || data.with(|d| d.as_ref().map(&value).unwrap_or_else(|| "—".into()))}
                </dd>
            </div>
        }
    };

    view! {
        <div class="page sales-page" data-page="ventes">
            <header class="page-header sales-header">
                <h1>{title}</h1>
                <p class="muted" id="sales-range">{range}</p>
            </header>
            <section class="card sales-filters" aria-label=i18n.tr("sales.period")>
                <div class="period-buttons" role="group" aria-label=i18n.tr("sales.period")>
                    {period_buttons}
                </div>
                <Show when=move || period.get() == "custom">
                    <div class="custom-range">
                        {day_field(i18n, "period-from", "sales.from", from, move || page.set(1))}
                        {day_field(i18n, "period-to", "sales.to", to, move || page.set(1))}
                    </div>
                    <Show when=move || custom_range(&from.get(), &to.get()) == Err(RangeProblem::Reversed)>
                        <p id="period-range-error" class="date-error" role="alert">
                            {i18n.tr("sales.date_order")}
                        </p>
                    </Show>
                </Show>
                <Show when=move || manager.get()>
                    <label class="field cashier-field">
                        <span class="field-label">{i18n.tr("sales.cashier")}</span>
                        <select
                            id="sales-cashier"
                            on:change=move |ev| {
                                page.set(1);
                                cashier.set(event_target_value(&ev).parse::<i64>().ok());
                            }
                        >
                            <option value="" selected=move || cashier.get().is_none()>
                                {i18n.tr("sales.whole_store")}
                            </option>
                            {move || {
                                sellers
                                    .get()
                                    .into_iter()
                                    .map(|s| {
                                        let id = s.id;
                                        view! {
                                            <option value=id selected=move || cashier.get() == Some(id)>
                                                {s.name}
                                            </option>
                                        }
                                    })
                                    .collect_view()
                            }}
                        </select>
                    </label>
                </Show>
                <Show when=move || loading.get()>
                    <span class="muted loading" id="sales-loading">{i18n.tr("sales.loading")}</span>
                </Show>
            </section>
            <Show when=move || error.with(Option::is_some)>
                <p id="sales-error" class="form-error" role="alert">
                    {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                </p>
            </Show>
            <Show when=move || {
                period.get() == "custom" && custom_range(&from.get(), &to.get()) == Err(RangeProblem::Incomplete)
            }>
                <p class="hint">{i18n.tr("sales.custom_hint")}</p>
            </Show>
            <dl class="summary-cards">
                {card("sales-count", "sales.count", Box::new(|h| group_thousands(h.summary.sales_count)))}
                {card("sales-revenue", "sales.revenue", Box::new(|h| money(h.summary.revenue)))}
                {card("sales-discounts", "sales.discounts", Box::new(|h| money(h.summary.discounts)))}
                {card("sales-average", "sales.average", Box::new(|h| money(h.summary.average_basket)))}
                // Refunds are money out on the day they are handed back.
                {card("sales-refunded", "sales.refunded", Box::new(|h| money(h.summary.refunded)))}
                {card("sales-net", "sales.net_revenue", Box::new(|h| money(h.summary.net_revenue)))}
            </dl>
            <div class="sales-grid">
                <section class="card chart-card">
                    <h2 class="card-title">{i18n.tr("sales.per_day")}</h2>
                    {move || data.with(|d| d.as_ref().map(|h| revenue_chart(i18n.lang(), &h.per_day)))}
                </section>
                <section class="card">
                    <h2 class="card-title">{i18n.tr("sales.split")}</h2>
                    <div id="payment-split">
                        {move || data.with(|d| d.as_ref().map(|h| payment_split(i18n, &h.payment_split)))}
                    </div>
                </section>
            </div>
            <section class="card">
                <h2 class="card-title">{i18n.tr("sales.top")}</h2>
                {move || data.with(|d| d.as_ref().map(|h| top_products(i18n, &h.top_products)))}
            </section>
            <section class="card">
                <h2 class="card-title">{i18n.tr("sales.list")}</h2>
                {move || {
                    data.with(|d| {
                        d.as_ref()
                            .map(|h| {
                                let single_day = h.from == h.to;
                                sales_list(i18n, &h.sales, single_day, manager.get_untracked(), open)
                            })
                    })
                }}
                <Pager
                    id="sales"
                    label="sales.list"
                    page=page
                    totals=Signal::derive(move || data.with(|d| d.as_ref().map(|h| (h.total, h.per_page))))
                    busy=loading
                    count_suffix="sales.count_suffix"
                />
                <p class="hint">{i18n.tr("sales.open_hint")}</p>
            </section>
            <Show when=move || detail_open.with(Option::is_some)>
                <div class="modal-backdrop" on:click=move |_| close()>
                    <div
                        id="sale-detail"
                        class="modal card"
                        role="dialog"
                        aria-modal="true"
                        aria-labelledby="sale-detail-title"
                        on:click=move |ev| ev.stop_propagation()
                    >
                        <h2 id="sale-detail-title" class="card-title">{i18n.tr("receipt.title")}</h2>
                        <Show when=move || detail_error.with(Option::is_some)>
                            <p class="form-error" role="alert">
                                {move || detail_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                            </p>
                        </Show>
                        {move || match detail.get() {
                            Some(r) => view! { <ReceiptView receipt=r /> }.into_any(),
                            None if detail_error.with(Option::is_none) => {
                                view! { <p class="muted">{i18n.tr("sales.loading")}</p> }.into_any()
                            }
                            None => ().into_any(),
                        }}
                        <div class="actions modal-actions">
                            <button
                                id="reprint"
                                class="button button-primary"
                                type="button"
                                node_ref=reprint_ref
                                disabled=move || detail.with(Option::is_none)
                                on:click=move |_| print()
                            >
                                {i18n.tr("receipt.reprint")}
                            </button>
                            <button id="sale-detail-close" class="button" type="button" on:click=move |_| close()>
                                {i18n.tr("sales.close")}
                            </button>
                        </div>
                    </div>
                </div>
            </Show>
        </div>
    }
}

fn period_key(p: &str) -> &'static str {
    match p {
        "week" => "period.week",
        "month" => "period.month",
        "7d" => "period.7d",
        "30d" => "period.30d",
        "custom" => "period.custom",
        _ => "period.today",
    }
}

/// Revenue per day as bars.
fn revenue_chart(lang: Lang, days: &[DayRevenue]) -> impl IntoView {
    let sales_word = if lang == Lang::Fr { "ventes" } else { "sales" };
    let bars = days
        .iter()
        .map(|d| Bar {
            key: d.date.to_string(),
            label: d.date.format("%d/%m").to_string(),
            value: d.revenue,
            tip: format!(
                "{} : {} · {} {sales_word}",
                d.date.format("%d/%m/%Y"),
                money(d.revenue),
                d.sales_count
            ),
        })
        .collect::<Vec<_>>();
    view! {
        <BarChart titles=Titles { id: "revenue-chart", label: "CA / jour (FCFA)".into(), unit: "FCFA" } bars=bars floor=1000 />
    }
}

fn method_color(method: PaymentMethod) -> &'static str {
    match method {
        PaymentMethod::Especes => "#0a8a43",
        PaymentMethod::Carte => "#2563eb",
        PaymentMethod::OrangeMoney => "#ff7900",
        PaymentMethod::MtnMomo => "#f2c200",
        PaymentMethod::MoovMoney => "#7c3aed",
        PaymentMethod::Wave => "#1dc8f2",
        PaymentMethod::Cheque => "#6b7280",
    }
}

/// Doughnut and table of the takings per payment method.
fn payment_split(i18n: I18n, split: &[PaymentSplit]) -> impl IntoView {
    let amounts: Vec<i64> = split.iter().map(|s| s.amount).collect();
    let total = doughnut::total(&amounts);
    if split.is_empty() || total == 0 {
        return view! { <p class="empty">{i18n.tr("sales.empty")}</p> }.into_any();
    }
    let slices = split
        .iter()
        .map(|s| Slice {
            key: s.method.as_str().to_owned(),
            color: method_color(s.method),
            value: s.amount,
        })
        .collect::<Vec<_>>();
    let rows = split
        .iter()
        .map(|s| {
            let share = doughnut::share(s.amount, total);
            let method = s.method;
            view! {
                <tr data-method=method.as_str()>
                    <td>
                        <span class="swatch" style=format!("background:{}", method_color(method))></span>
                        {move || method_label(i18n.lang(), method)}
                    </td>
                    <td class="amount">{money(s.amount)}</td>
                    <td class="amount">{group_thousands(s.count)}</td>
                    <td class="amount">{format!("{share:.0}\u{a0}%").replace('.', ",")}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="split">
            <Doughnut label=Signal::derive(move || i18n.t("sales.split").to_string()) unit="FCFA" slices=slices />
            <table class="table split-table">
                <thead>
                    <tr>
                        <th>{i18n.tr("sales.method")}</th>
                        <th class="amount">{i18n.tr("sales.amount")}</th>
                        <th class="amount">{i18n.tr("sales.payments_count")}</th>
                        <th class="amount">{i18n.tr("sales.share")}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
    .into_any()
}

fn top_products(i18n: I18n, top: &[TopProduct]) -> impl IntoView {
    let rows = top
        .iter()
        .enumerate()
        .map(|(i, p)| {
            view! {
                <tr data-product-id=p.product_id>
                    <td class="rank">{i + 1}</td>
                    <td>{p.name.clone()}</td>
                    <td class="amount">{group_thousands(p.quantity)}</td>
                    <td class="amount">{money(p.revenue)}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = top.is_empty();
    view! {
        <table id="top-products" class="table">
            <thead>
                <tr>
                    <th class="rank">"#"</th>
                    <th>{i18n.tr("sales.product")}</th>
                    <th class="amount">{i18n.tr("sales.quantity")}</th>
                    <th class="amount">{i18n.tr("sales.revenue")}</th>
                </tr>
            </thead>
            <tbody>
                {rows}
                {empty
                    .then(|| {
                        view! {
                            <tr class="empty-row">
                                <td colspan="4" class="empty">{i18n.tr("sales.empty")}</td>
                            </tr>
                        }
                    })}
            </tbody>
        </table>
    }
}

fn sales_list(
    i18n: I18n,
    sales: &[SaleListItem],
    single_day: bool,
    show_cashier: bool,
    open: impl Fn(i64) + Copy + Send + Sync + 'static,
) -> impl IntoView {
    if sales.is_empty() {
        return view! {
            <p id="sales-empty" class="empty empty-state">{i18n.tr("sales.empty")}</p>
            <table id="sales-list" class="table" hidden=true></table>
        }
        .into_any();
    }
    let rows = sales
        .iter()
        .map(|s| {
            let id = s.id;
            let when = if single_day {
                time(s.created_at)
            } else {
                date_time(s.created_at)
            };
            let status = s.status;
            let status_class = format!("badge status status-{}", status.as_str().to_lowercase());
            let cashier = show_cashier.then(|| view! { <td>{s.cashier_name.clone()}</td> });
            view! {
                <tr
                    class="sale-row"
                    tabindex="0"
                    data-sale-id=id
                    on:click=move |_| open(id)
                    on:keydown=move |ev: KeyboardEvent| {
                        if ev.key() == "Enter" || ev.key() == " " {
                            ev.prevent_default();
                            open(id);
                        }
                    }
                >
                    <td class="mono">{s.ticket_number.clone()}</td>
                    <td>{when}</td>
                    <td class="mono">{s.customer_number.clone().unwrap_or_else(|| "—".into())}</td>
                    {cashier}
                    <td>
                        <span class=status_class>{move || status_label(i18n.lang(), status)}</span>
                    </td>
                    <td class="amount">{money(s.total)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <table id="sales-list" class="table sales-table">
            <thead>
                <tr>
                    <th>{i18n.tr("sales.ticket")}</th>
                    <th>{i18n.tr("sales.time")}</th>
                    <th>{i18n.tr("sales.customer")}</th>
                    {show_cashier.then(|| view! { <th>{i18n.tr("sales.cashier")}</th> })}
                    <th>{i18n.tr("sales.status")}</th>
                    <th class="amount">{i18n.tr("sales.total")}</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
