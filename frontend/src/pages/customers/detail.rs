//! `/clients/{id}`: one customer's page — the profile (edited by marketing and admins),
//! the level history, the points ledger and the purchases (each paginated), the coupons
//! held and used; for the roles that handle personal data, the JSON export of everything
//! held about the person and the erasure, confirmed by typing the customer number.
//!
//! Each section loads on its own (`GET /customers/{id}`, `…/history`, `…/points`,
//! `…/purchases`) and shows its own loading, empty and error states with « Réessayer ».

use std::future::Future;

use crm_api_types::{Customer, CustomerHistory, CustomerProfile, PointsPage, PurchasePage};
use crm_domain::Capability;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_params_map;

use super::filters::confirms;
use super::profile::Profile;
use super::{display_name, level_badge};
use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{Msg, Pager};
use crate::files::download_json;
use crate::format::{date_time, level_key, money, status_label};
use crate::i18n::{use_i18n, I18n};

const PER_PAGE: u64 = 10;

/// One section's answer: the data, its error, whether a request is under way; only the
/// latest request's answer is kept.
struct Loaded<T: Send + Sync + 'static> {
    data: RwSignal<Option<T>>,
    error: RwSignal<Option<Msg>>,
    loading: RwSignal<bool>,
    seq: StoredValue<u64>,
}

impl<T: Send + Sync + 'static> Clone for Loaded<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T: Send + Sync + 'static> Copy for Loaded<T> {}

impl<T: Send + Sync + 'static> Loaded<T> {
    fn new() -> Self {
        Loaded {
            data: RwSignal::new(None),
            error: RwSignal::new(None),
            loading: RwSignal::new(false),
            seq: StoredValue::new(0),
        }
    }

    fn fetch(self, request: impl Future<Output = Result<T, ApiError>> + 'static) {
        let n = self.seq.get_value() + 1;
        self.seq.set_value(n);
        self.loading.set(true);
        spawn_local(async move {
            let result = request.await;
            if self.seq.try_get_value() != Some(n) {
                return;
            }
            self.loading.set(false);
            match result {
                Ok(v) => {
                    self.error.set(None);
                    self.data.set(Some(v));
                }
                Err(e) => self.error.set(Some(Msg::Api(e))),
            }
        });
    }
}

/// A section's loading line or its error with « Réessayer ».
fn load_state<T: Send + Sync + 'static>(
    i18n: I18n,
    id: &'static str,
    loaded: Loaded<T>,
    retry: Callback<()>,
) -> impl IntoView {
    view! {
        <Show when=move || loaded.loading.get() && loaded.data.with(Option::is_none)>
            <p class="muted loading">{i18n.tr("sales.loading")}</p>
        </Show>
        <Show when=move || loaded.error.with(Option::is_some)>
            <div id=format!("{id}-error") class="form-error" role="alert">
                <p>{move || loaded.error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                <button
                    id=format!("{id}-retry")
                    class="button button-small"
                    type="button"
                    on:click=move |_| retry.run(())
                >
                    {i18n.tr("loyalty.retry")}
                </button>
            </div>
        </Show>
    }
}

/// The page.
#[component]
pub fn CustomerPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    });
    let writer = Memo::new(move |_| auth.role().is_some_and(|r| r.grants(Capability::CrmWrite)));
    let personal = Memo::new(move |_| {
        auth.role()
            .is_some_and(|r| r.grants(Capability::PersonalData))
    });

    let profile = Loaded::<CustomerProfile>::new();
    let history = Loaded::<CustomerHistory>::new();
    let points = Loaded::<PointsPage>::new();
    let purchases = Loaded::<PurchasePage>::new();
    let points_page = RwSignal::new(1u64);
    let purchases_page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);
    let flash = RwSignal::new(None::<Msg>);

    Effect::new(move |_| {
        reload.track();
        let id = id.get();
        profile.fetch(api::customer(auth, id));
        history.fetch(api::customer_history(auth, id));
    });
    Effect::new(move |_| {
        reload.track();
        let (id, page) = (id.get(), points_page.get());
        points.fetch(api::customer_points(auth, id, page, PER_PAGE));
    });
    Effect::new(move |_| {
        reload.track();
        let (id, page) = (id.get(), purchases_page.get());
        purchases.fetch(api::customer_purchases(auth, id, page, PER_PAGE));
    });
    let retry = Callback::new(move |()| reload.update(|n| *n = n.wrapping_add(1)));

    let customer = Memo::new(move |_| {
        profile
            .data
            .with(|p| p.as_ref().map(|p| p.customer.clone()))
    });
    let on_saved = Callback::new(move |saved: Customer| {
        profile.data.update(|p| {
            if let Some(p) = p {
                p.customer = saved;
            }
        });
        flash.set(Some(Msg::Key("customers.saved")));
    });

    let title = move || {
        customer
            .get()
            .map(|c| display_name(i18n, &c))
            .unwrap_or_else(|| i18n.t("customers.page_title").to_owned())
    };

    view! {
        <div class="page customer-page" data-page="client">
            <p class="breadcrumb">
                <a id="customer-back" href="/clients">"← " {i18n.tr("customers.back")}</a>
            </p>
            <header class="page-header">
                <div>
                    <h1 id="customer-title">{title}</h1>
                    <p class="muted">
                        {move || customer.get().map(|c| view! {
                            <code id="customer-number" class="customer-number">{c.customer_number.clone()}</code>
                            " "
                            {level_badge(i18n, c.level)}
                            {c.erased.then(|| view! { " " <span id="customer-erased" class="badge status">{i18n.tr("customers.erased")}</span> })}
                        })}
                    </p>
                </div>
                <Show when=move || personal.get() && customer.get().is_some_and(|c| !c.erased)>
                    <PersonalData customer=customer flash=flash reload=retry />
                </Show>
            </header>
            <Show when=move || flash.with(Option::is_some)>
                <p id="customer-flash" class="flash" role="status">
                    <span>{move || flash.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</span>
                    <button class="icon-button" type="button" title=i18n.tr("coupons.close") on:click=move |_| flash.set(None)>
                        "×"
                    </button>
                </p>
            </Show>
            <div class="customer-sections">
                <section class="card" id="customer-profile" aria-labelledby="customer-profile-title">
                    <h2 id="customer-profile-title" class="card-title">{i18n.tr("customers.profile")}</h2>
                    {load_state(i18n, "customer-profile", profile, retry)}
                    {move || customer.get().map(|c| view! { <Profile customer=c writer=writer.get() on_saved=on_saved /> })}
                </section>
                <section class="card" id="customer-levels" aria-labelledby="customer-levels-title">
                    <h2 id="customer-levels-title" class="card-title">{i18n.tr("customers.levels")}</h2>
                    {load_state(i18n, "customer-levels", history, retry)}
                    {move || history.data.get().map(|h| level_table(i18n, &h))}
                </section>
                <section class="card" id="customer-points-section" aria-labelledby="customer-points-title">
                    <h2 id="customer-points-title" class="card-title">{i18n.tr("customers.points_ledger")}</h2>
                    {load_state(i18n, "customer-points", points, retry)}
                    {move || points.data.get().map(|p| points_table(i18n, &p))}
                    <Pager
                        id="customer-points"
                        label="customers.points_ledger"
                        page=points_page
                        totals=Signal::derive(move || points.data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                        busy=points.loading
                    />
                </section>
                <section class="card" id="customer-purchases" aria-labelledby="customer-purchases-title">
                    <h2 id="customer-purchases-title" class="card-title">{i18n.tr("customers.purchases_title")}</h2>
                    {load_state(i18n, "customer-purchases", purchases, retry)}
                    {move || purchases.data.get().map(|p| purchases_table(i18n, &p))}
                    <Pager
                        id="customer-purchases"
                        label="customers.purchases_title"
                        page=purchases_page
                        totals=Signal::derive(move || purchases.data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                        busy=purchases.loading
                        count_suffix="customers.purchases_suffix"
                    />
                </section>
                <section class="card" id="customer-coupons" aria-labelledby="customer-coupons-title">
                    <h2 id="customer-coupons-title" class="card-title">{i18n.tr("customers.coupons")}</h2>
                    {move || history.data.get().map(|h| coupon_tables(i18n, &h))}
                </section>
            </div>
        </div>
    }
}

fn empty_row(i18n: I18n, cols: &'static str, key: &'static str) -> AnyView {
    view! {
        <tr class="empty-row"><td colspan=cols class="empty empty-state">{i18n.tr(key)}</td></tr>
    }
    .into_any()
}

fn level_table(i18n: I18n, h: &CustomerHistory) -> impl IntoView {
    let rows = if h.level_changes.is_empty() {
        empty_row(i18n, "4", "customers.no_level_change")
    } else {
        h.level_changes
            .iter()
            .map(|l| {
                view! {
                    <tr class="level-change-row">
                        <td>{date_time(l.changed_at)}</td>
                        <td>{i18n.tr(level_key(l.from_level))}</td>
                        <td>{level_badge(i18n, l.to_level)}</td>
                        <td class="amount">{l.score}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <table class="table" id="customer-levels-list">
            <thead><tr>
                <th>{i18n.tr("customers.date")}</th>
                <th>{i18n.tr("customers.from_level")}</th>
                <th>{i18n.tr("customers.to_level")}</th>
                <th class="amount">{i18n.tr("customers.score")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn points_table(i18n: I18n, p: &PointsPage) -> impl IntoView {
    let rows = if p.items.is_empty() {
        empty_row(i18n, "4", "customers.no_points")
    } else {
        p.items
            .iter()
            .map(|m| {
                let kind = format!("customers.points_kind.{}", m.kind);
                let label = crate::i18n::lookup(i18n.lang(), &kind)
                    .map(str::to_owned)
                    .unwrap_or_else(|| m.kind.clone());
                let sign = if m.points > 0 { "+" } else { "" };
                view! {
                    <tr class="points-row">
                        <td>{date_time(m.at)}</td>
                        <td>{label}</td>
                        <td class="amount">{format!("{sign}{}", m.points)}</td>
                        <td class="muted">{m.note.clone().unwrap_or_default()}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <table class="table" id="customer-points-list">
            <thead><tr>
                <th>{i18n.tr("customers.date")}</th>
                <th>{i18n.tr("customers.movement")}</th>
                <th class="amount">{i18n.tr("customers.points")}</th>
                <th>{i18n.tr("customers.note")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn purchases_table(i18n: I18n, p: &PurchasePage) -> impl IntoView {
    let rows = if p.items.is_empty() {
        empty_row(i18n, "6", "customers.no_purchases")
    } else {
        p.items
            .iter()
            .map(|s| {
                let status_class = format!("badge status status-{}", s.status.as_str().to_lowercase());
                let status = s.status;
                view! {
                    <tr class="purchase-row" data-sale-id=s.id>
                        <td>{date_time(s.created_at)}</td>
                        <td><code>{s.ticket_number.clone()}</code></td>
                        <td><span class=status_class>{move || status_label(i18n.lang(), status)}</span></td>
                        <td class="amount">{money(s.discounts)}</td>
                        <td class="amount">{money(s.total)}</td>
                        <td class="amount">{s.points_earned}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <table class="table" id="customer-purchases-list">
            <thead><tr>
                <th>{i18n.tr("customers.date")}</th>
                <th>{i18n.tr("customers.ticket")}</th>
                <th>{i18n.tr("customers.status")}</th>
                <th class="amount">{i18n.tr("customers.discounts")}</th>
                <th class="amount">{i18n.tr("customers.total")}</th>
                <th class="amount">{i18n.tr("customers.points")}</th>
            </tr></thead>
            <tbody>{rows}</tbody>
        </table>
    }
}

fn coupon_tables(i18n: I18n, h: &CustomerHistory) -> impl IntoView {
    let held = if h.coupons_held.is_empty() {
        empty_row(i18n, "3", "customers.no_coupon_held")
    } else {
        h.coupons_held
            .iter()
            .map(|c| {
                let status = format!("coupon.status.{}", c.status.as_str());
                let label = crate::i18n::lookup(i18n.lang(), &status)
                    .map(str::to_owned)
                    .unwrap_or_else(|| c.status.as_str().to_owned());
                view! {
                    <tr class="coupon-held-row">
                        <td><code>{c.code.clone()}</code> <div class="muted cell-note">{c.description.clone()}</div></td>
                        <td>{c.valid_from.format("%d/%m/%Y").to_string()} " → " {c.valid_to.format("%d/%m/%Y").to_string()}</td>
                        <td><span class="badge status">{label}</span></td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    let used = if h.coupons_used.is_empty() {
        empty_row(i18n, "3", "customers.no_coupon_used")
    } else {
        h.coupons_used
            .iter()
            .map(|u| {
                let released = u.released_at.is_some();
                view! {
                    <tr class="coupon-used-row">
                        <td><code>{u.code.clone()}</code></td>
                        <td>{date_time(u.at)} {released.then(|| view! { " " <span class="badge status">{i18n.tr("customers.released")}</span> })}</td>
                        <td class="amount">{money(u.amount)}</td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };
    view! {
        <h3 class="subhead">{i18n.tr("customers.coupons_held")}</h3>
        <table class="table" id="customer-coupons-held">
            <thead><tr>
                <th>{i18n.tr("coupons.code")}</th>
                <th>{i18n.tr("coupons.validity")}</th>
                <th>{i18n.tr("coupons.status")}</th>
            </tr></thead>
            <tbody>{held}</tbody>
        </table>
        <h3 class="subhead">{i18n.tr("customers.coupons_used")}</h3>
        <table class="table" id="customer-coupons-used">
            <thead><tr>
                <th>{i18n.tr("coupons.code")}</th>
                <th>{i18n.tr("customers.date")}</th>
                <th class="amount">{i18n.tr("customers.discount")}</th>
            </tr></thead>
            <tbody>{used}</tbody>
        </table>
    }
}

/// « Exporter (JSON) » and « Effacer » — the erasure asks for the customer number first.
#[component]
fn PersonalData(
    customer: Memo<Option<Customer>>,
    flash: RwSignal<Option<Msg>>,
    reload: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let confirming = RwSignal::new(false);
    let typed = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let number = move || {
        customer
            .get()
            .map(|c| c.customer_number)
            .unwrap_or_default()
    };
    let matches = move || confirms(&typed.get(), &number());

    let export = move |_| {
        let Some(c) = customer.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            let path = format!("/customers/{}/export", c.id);
            let result =
                download_json(auth, &path, &format!("client-{}.json", c.customer_number)).await;
            busy.try_set(false);
            match result {
                Ok(()) => {
                    flash.try_set(Some(Msg::Key("customers.exported")));
                }
                Err(msg) => {
                    error.try_set(Some(msg));
                }
            }
        });
    };
    let erase = move || {
        let Some(c) = customer.get_untracked() else {
            return;
        };
        if !confirms(&typed.get_untracked(), &c.customer_number) || busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = api::erase_customer(auth, c.id).await;
            busy.try_set(false);
            match result {
                Ok(_) => {
                    confirming.try_set(false);
                    flash.try_set(Some(Msg::Key("customers.erased_done")));
                    reload.run(());
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    view! {
        <div class="actions personal-data">
            <button id="customer-export" class="button" type="button" disabled=move || busy.get() on:click=export>
                {i18n.tr("customers.export_json")}
            </button>
            <button
                id="customer-erase"
                class="button button-danger"
                type="button"
                disabled=move || busy.get()
                on:click=move |_| {
                    typed.set(String::new());
                    error.set(None);
                    confirming.set(true);
                }
            >
                {i18n.tr("customers.erase")}
            </button>
        </div>
        <Show when=move || error.with(Option::is_some)>
            <p id="customer-action-error" class="form-error" role="alert">
                {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
            </p>
        </Show>
        <Show when=move || confirming.get()>
            <div class="modal-backdrop" on:click=move |_| confirming.set(false)>
                <form
                    id="customer-erase-dialog"
                    class="modal card"
                    role="alertdialog"
                    aria-modal="true"
                    aria-labelledby="customer-erase-title"
                    on:click=move |ev| ev.stop_propagation()
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| {
                        if ev.key() == "Escape" {
                            ev.prevent_default();
                            confirming.set(false);
                        }
                    }
                    on:submit=move |ev| {
                        ev.prevent_default();
                        erase();
                    }
                >
                    <h2 id="customer-erase-title" class="card-title">{i18n.tr("customers.erase_title")}</h2>
                    <p>{i18n.tr("customers.erase_text")}</p>
                    <label class="field">
                        <span class="field-label">
                            {i18n.tr("customers.erase_type")} " " <code>{number}</code>
                        </span>
                        <input
                            id="customer-erase-confirm"
                            type="text"
                            autocomplete="off"
                            autofocus=true
                            prop:value=move || typed.get()
                            on:input=move |ev| typed.set(event_target_value(&ev))
                        />
                    </label>
                    <div class="actions form-actions">
                        <button
                            id="customer-erase-submit"
                            class="button button-danger"
                            type="submit"
                            disabled=move || !matches() || busy.get()
                        >
                            {i18n.tr("customers.erase_confirm")}
                        </button>
                        <button class="button button-ghost" type="button" on:click=move |_| confirming.set(false)>
                            {i18n.tr("customers.cancel")}
                        </button>
                    </div>
                </form>
            </div>
        </Show>
    }
}
