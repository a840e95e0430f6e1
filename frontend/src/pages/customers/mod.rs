//! `/clients`: the back office's customers (issue 13) — a search box (a phone in any
//! form, a customer number or the start of a name; sent 300 ms after the last keystroke or
//! at once on Entrée, and only the latest answer is shown), filters (level, city, last
//! visit, SMS consent), a paginated table whose rows open the customer page
//! (`/clients/{id}`, [`detail`]), and the CSV export of the filtered list.
//!
//! Marketing, the director (read only) and admins; the phone is masked by the server for
//! the roles that may not see it whole. The query is built by [`filters`], host-tested.

pub mod detail;
pub mod filters;
mod profile;

use crm_api_types::{Customer, CustomerPage, Level};
use crm_domain::money::group_thousands;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::auth::use_auth;
use crate::components::{Msg, Pager};
use crate::files::download_csv;
use crate::format::{date_time, level_key, money};
use crate::i18n::{use_i18n, I18n};
use crate::pages::pos::full_name;
use crate::timer::sleep;

pub use detail::CustomerPage;
use filters::Filters;

const PER_PAGE: u64 = 20;
/// The pause after the last keystroke in the search box before searching.
const DEBOUNCE_MS: u64 = 300;

/// The name, or « Client sans nom ».
pub(crate) fn display_name(i18n: I18n, c: &Customer) -> String {
    let name = full_name(c.first_name.as_deref(), c.last_name.as_deref());
    if name.is_empty() {
        i18n.t("pos.unnamed").to_owned()
    } else {
        name
    }
}

/// The level as a badge.
pub(crate) fn level_badge(i18n: I18n, level: Level) -> impl IntoView {
    let class = format!("badge level level-{}", level.as_str().to_lowercase());
    view! { <span class=class>{i18n.tr(level_key(level))}</span> }
}

/// The page.
#[component]
pub fn CustomersPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let navigate = use_navigate();

    // What the fields hold as typed, and what was last asked of the server.
    let typed = RwSignal::new(String::new());
    let filters = RwSignal::new(Filters::default());
    let page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);

    let data = RwSignal::new(None::<CustomerPage>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let exporting = RwSignal::new(false);
    // Bumped by every request: only the latest one's answer is shown.
    let seq = StoredValue::new(0u64);
    // Bumped by every keystroke: a pending debounced search runs only if none came after.
    let typing = StoredValue::new(0u64);

    Effect::new(move |_| {
        reload.track();
        let q = filters.with(|f| f.page_query(page.get(), PER_PAGE));
        let n = seq.get_value() + 1;
        seq.set_value(n);
        loading.set(true);
        spawn_local(async move {
            let result = api::customers(auth, &q).await;
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

    // The search box's text becomes the query: now (Entrée) or after a pause.
    let apply_search = move || {
        typing.set_value(typing.get_value() + 1);
        let text = typed.get_untracked();
        if filters.with_untracked(|f| f.q != text) {
            page.set(1);
            filters.update(|f| f.q = text);
        }
    };
    let on_input = move |text: String| {
        typed.set(text);
        let n = typing.get_value() + 1;
        typing.set_value(n);
        spawn_local(async move {
            sleep(DEBOUNCE_MS).await;
            if typing.try_get_value() == Some(n) {
                apply_search();
            }
        });
    };
    let set_filter = move |change: fn(&mut Filters, String), value: String| {
        let mut next = filters.get_untracked();
        change(&mut next, value);
        if next != filters.get_untracked() {
            page.set(1);
            filters.set(next);
        }
    };

    let export = move |_| {
        if exporting.get_untracked() {
            return;
        }
        exporting.set(true);
        let path = filters.with_untracked(Filters::export_path);
        spawn_local(async move {
            let result = download_csv(auth, &path, "clients.csv").await;
            exporting.try_set(false);
            if let Err(msg) = result {
                error.try_set(Some(msg));
            }
        });
    };

    let open =
        Callback::new(move |id: i64| navigate(&format!("/clients/{id}"), Default::default()));

    let rows = move || {
        let Some(items) = data.with(|d| d.as_ref().map(|p| p.items.clone())) else {
            return view! {
                <tr class="empty-row">
                    <td colspan="7" class="empty muted">{i18n.tr("sales.loading")}</td>
                </tr>
            }
            .into_any();
        };
        if items.is_empty() {
            let key = if filters.with(Filters::is_narrowed) {
                "customers.none_match"
            } else {
                "customers.empty"
            };
            return view! {
                <tr class="empty-row">
                    <td colspan="7" class="empty empty-state" id="customers-empty">{i18n.tr(key)}</td>
                </tr>
            }
            .into_any();
        }
        items
            .into_iter()
            .map(|c| customer_row(i18n, c, open))
            .collect_view()
            .into_any()
    };

    let level_options = move || {
        [Level::Standard, Level::Silver, Level::Gold, Level::Vip]
            .into_iter()
            .map(|l| {
                let code = l.as_str();
                view! {
                    <option value=code selected=move || filters.with(|f| f.level == code)>
                        {i18n.tr(level_key(l))}
                    </option>
                }
            })
            .collect_view()
    };

    view! {
        <div class="page customers-page" data-page="clients">
            <header class="page-header">
                <div>
                    <h1>{i18n.tr("customers.title")}</h1>
                    <p class="muted">{i18n.tr("customers.subtitle")}</p>
                </div>
                <div class="actions">
                    <button
                        id="customers-export"
                        class="button"
                        type="button"
                        disabled=move || exporting.get()
                        on:click=export
                    >
                        {move || if exporting.get() { i18n.t("coupons.exporting") } else { i18n.t("customers.export_csv") }}
                    </button>
                </div>
            </header>
            <section class="card sales-filters customer-filters" aria-label=i18n.tr("customers.filters")>
                <label class="field filter-text">
                    <span class="field-label">{i18n.tr("customers.search")}</span>
                    <input
                        id="customer-search"
                        type="search"
                        autocomplete="off"
                        autofocus=true
                        placeholder=i18n.tr("customers.search_placeholder")
                        prop:value=move || typed.get()
                        on:input=move |ev| on_input(event_target_value(&ev))
                        on:keydown=move |ev: KeyboardEvent| {
                            if ev.key() == "Enter" {
                                ev.prevent_default();
                                apply_search();
                            }
                        }
                    />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("customers.level")}</span>
                    <select
                        id="customer-filter-level"
                        on:change=move |ev| set_filter(|f, v| f.level = v, event_target_value(&ev))
                    >
                        <option value="">{i18n.tr("coupons.all")}</option>
                        {level_options}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("customers.city")}</span>
                    <input
                        id="customer-filter-city"
                        type="text"
                        autocomplete="off"
                        on:change=move |ev| set_filter(|f, v| f.city = v, event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("customers.visit_from")}</span>
                    <input
                        id="customer-filter-visit-from"
                        type="date"
                        on:change=move |ev| set_filter(|f, v| f.last_visit_from = v, event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("customers.visit_to")}</span>
                    <input
                        id="customer-filter-visit-to"
                        type="date"
                        on:change=move |ev| set_filter(|f, v| f.last_visit_to = v, event_target_value(&ev))
                    />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("customers.sms")}</span>
                    <select
                        id="customer-filter-sms"
                        on:change=move |ev| set_filter(|f, v| f.sms_consent = v, event_target_value(&ev))
                    >
                        <option value="">{i18n.tr("coupons.all")}</option>
                        <option value="true">{i18n.tr("customers.consent_yes")}</option>
                        <option value="false">{i18n.tr("customers.consent_no")}</option>
                    </select>
                </label>
                <Show when=move || loading.get()>
                    <span class="muted loading" id="customers-loading">{i18n.tr("sales.loading")}</span>
                </Show>
            </section>
            <Show when=move || error.with(Option::is_some)>
                <div id="customers-error" class="form-error" role="alert">
                    <p>{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                    <button
                        id="customers-retry"
                        class="button button-small"
                        type="button"
                        on:click=move |_| reload.update(|n| *n = n.wrapping_add(1))
                    >
                        {i18n.tr("loyalty.retry")}
                    </button>
                </div>
            </Show>
            <section class="card">
                <div class="table-scroll">
                    <table id="customers-list" class="table customers-table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("pos.customer_number")}</th>
                                <th>{i18n.tr("customers.name")}</th>
                                <th>{i18n.tr("customers.phone")}</th>
                                <th>{i18n.tr("customers.city")}</th>
                                <th>{i18n.tr("customers.level")}</th>
                                <th class="amount">{i18n.tr("customers.spend")}</th>
                                <th>{i18n.tr("customers.last_visit")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <Pager
                    id="customers"
                    label="customers.title"
                    page=page
                    totals=Signal::derive(move || data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                    busy=loading
                    count_suffix="customers.count_suffix"
                    open_ended=Signal::derive(move || data.with(|d| d.as_ref().is_some_and(|p| !p.total_exact)))
                />
                <p class="hint">{i18n.tr("customers.open_hint")}</p>
            </section>
        </div>
    }
}

/// One line of the list: a click, Entrée or espace opens the customer page.
fn customer_row(i18n: I18n, c: Customer, open: Callback<i64>) -> impl IntoView {
    let id = c.id;
    let name = display_name(i18n, &c);
    let last_visit = c
        .last_visit_at
        .map(date_time)
        .unwrap_or_else(|| "—".to_owned());
    view! {
        <tr
            class="customer-row"
            tabindex="0"
            data-customer-id=id
            on:click=move |_| open.run(id)
            on:keydown=move |ev: KeyboardEvent| {
                if ev.key() == "Enter" || ev.key() == " " {
                    ev.prevent_default();
                    open.run(id);
                }
            }
        >
            <td><code class="customer-number">{c.customer_number.clone()}</code></td>
            <td class="customer-name">{name}</td>
            <td class="mono customer-phone">{c.phone.clone()}</td>
            <td>{c.city.clone()}</td>
            <td>{level_badge(i18n, c.level)}</td>
            <td class="amount">{money(c.lifetime_spend)}</td>
            <td>{last_visit} <span class="muted cell-note">{format!("{} {}", group_thousands(c.purchases_count), i18n.t("customers.purchases_suffix"))}</span></td>
        </tr>
    }
}
