//! « Webhooks » (`/admin/webhooks`, administrators only): the endpoints integrators
//! receive events at. An administrator registers one (address and events: its signing
//! secret is shown once), deletes one (a second click confirms), and opens its delivery
//! log — status, attempts, last answer — where « Renvoyer » sends a delivery again.

use crm_api_types::{
    CreateWebhookRequest, DeliveryStatus, EventType, WebhookDelivery, WebhookDeliveryPage,
    WebhookEndpoint,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{Flash, LoadError};
use crate::api;
use crate::auth::use_auth;
use crate::components::{Msg, Pager};
use crate::format;
use crate::i18n::use_i18n;

const PER_PAGE: u64 = 20;

/// The string key of an event type's label.
fn event_key(event: EventType) -> &'static str {
    match event {
        EventType::SaleCompleted => "webhooks.event.sale_completed",
        EventType::SaleRefunded => "webhooks.event.sale_refunded",
        EventType::CustomerCreated => "webhooks.event.customer_created",
        EventType::CustomerLevelChanged => "webhooks.event.customer_level_changed",
        EventType::CouponRedeemed => "webhooks.event.coupon_redeemed",
        EventType::LoyaltyAnalysisFinished => "webhooks.event.loyalty_analysis_finished",
    }
}

/// The string key of a delivery status.
fn status_key(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => "webhooks.status.pending",
        DeliveryStatus::Delivered => "webhooks.status.delivered",
        DeliveryStatus::Failed => "webhooks.status.failed",
    }
}

/// The page.
#[component]
pub fn WebhooksPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let endpoints = RwSignal::new(Vec::<WebhookEndpoint>::new());
    let reload = RwSignal::new(0u32);
    let error = RwSignal::new(None::<Msg>);
    let flash = RwSignal::new(None::<Msg>);
    let secret = RwSignal::new(None::<String>);
    let confirming = RwSignal::new(None::<i64>);
    let selected = RwSignal::new(None::<i64>);

    Effect::new(move |_| {
        reload.track();
        spawn_local(async move {
            match api::webhooks(auth).await {
                Ok(list) => {
                    error.try_set(None);
                    endpoints.try_set(list.items);
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });
    let refresh = move || reload.update(|n| *n = n.wrapping_add(1));
    let retry = Callback::new(move |()| refresh());
    let on_created = Callback::new(move |s: String| {
        flash.set(None);
        secret.set(Some(s));
        refresh();
    });
    let remove = move |id: i64| {
        if confirming.get_untracked() != Some(id) {
            confirming.set(Some(id));
            return;
        }
        confirming.set(None);
        spawn_local(async move {
            match api::delete_webhook(auth, id).await {
                Ok(()) => {
                    flash.try_set(Some(Msg::Key("webhooks.deleted")));
                    if selected.get_untracked() == Some(id) {
                        selected.try_set(None);
                    }
                    reload.try_update(|n| *n = n.wrapping_add(1));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let rows = move || {
        let items = endpoints.get();
        if items.is_empty() {
            return view! {
                <tr class="empty-row">
                    <td colspan="4" class="empty empty-state" id="webhooks-empty">{i18n.tr("webhooks.empty")}</td>
                </tr>
            }
            .into_any();
        }
        items
            .into_iter()
            .map(|w| {
                let id = w.id;
                let events = w
                    .events
                    .iter()
                    .map(|e| view! { <span class="badge">{i18n.tr(event_key(*e))}</span> " " })
                    .collect_view();
                view! {
                    <tr class="webhook-row" data-webhook=id>
                        <td><code>{w.url.clone()}</code></td>
                        <td>{events}</td>
                        <td>{format::date_time(w.created_at)}</td>
                        <td class="row-actions">
                            <button class="button button-small webhook-log" type="button" on:click=move |_| selected.set(Some(id))>
                                {i18n.tr("webhooks.log")}
                            </button>
                            " "
                            <button class="button button-small button-danger webhook-delete" type="button" on:click=move |_| remove(id)>
                                {move || if confirming.get() == Some(id) { i18n.t("webhooks.delete_confirm") } else { i18n.t("webhooks.delete") }}
                            </button>
                        </td>
                    </tr>
                }
            })
            .collect_view()
            .into_any()
    };

    view! {
        <div class="page webhooks-page" data-page="webhooks">
            <header class="page-header">
                <div>
                    <h1>{i18n.tr("webhooks.title")}</h1>
                    <p class="muted">{i18n.tr("webhooks.subtitle")}</p>
                </div>
            </header>
            <Show when=move || secret.with(Option::is_some)>
                <section id="webhook-secret-panel" class="card secret-panel" role="status" aria-live="polite">
                    <h2 class="card-title">{i18n.tr("webhooks.secret_title")}</h2>
                    <p class="secret-row"><code id="webhook-secret" class="secret" style="font-size: 1rem; letter-spacing: 0; word-break: break-all">{move || secret.get().unwrap_or_default()}</code></p>
                    <p class="hint">{i18n.tr("webhooks.secret_hint")}</p>
                    <button id="webhook-secret-close" class="button button-primary" type="button" on:click=move |_| secret.set(None)>
                        {i18n.tr("webhooks.secret_done")}
                    </button>
                </section>
            </Show>
            <Flash id="webhooks-flash" flash=flash />
            <WebhookForm on_created=on_created />
            <LoadError id="webhooks-error" error=error retry=retry />
            <section class="card">
                <div class="table-scroll">
                    <table id="webhooks-list" class="table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("webhooks.url")}</th>
                                <th>{i18n.tr("webhooks.events")}</th>
                                <th>{i18n.tr("webhooks.created_at")}</th>
                                <th class="row-actions"><span class="visually-hidden">{i18n.tr("webhooks.actions")}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
            </section>
            {move || selected.get().map(|id| view! { <DeliveryLog endpoint=id /> })}
        </div>
    }
}

/// Registration: an address and the events, one checkbox each.
#[component]
fn WebhookForm(on_created: Callback<String>) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![EventType::SaleCompleted]);
    let error = RwSignal::new(None::<Msg>);
    let busy = RwSignal::new(false);
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let request = CreateWebhookRequest {
            url: url.get_untracked().trim().to_owned(),
            events: chosen
                .get_untracked()
                .iter()
                .map(|e| e.as_str().to_owned())
                .collect(),
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::create_webhook(auth, &request).await;
            busy.try_set(false);
            match result {
                Ok(created) => {
                    error.try_set(None);
                    url.try_set(String::new());
                    on_created.run(created.secret);
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    let boxes = EventType::ALL
        .into_iter()
        .map(|event| {
            let checked = move || chosen.with(|c| c.contains(&event));
            view! {
                <label class="checkbox">
                    <input
                        type="checkbox"
                        data-event=event.as_str()
                        prop:checked=checked
                        on:change=move |_| chosen.update(|c| {
                            if let Some(i) = c.iter().position(|e| *e == event) {
                                c.remove(i);
                            } else {
                                c.push(event);
                            }
                        })
                    />
                    " " {i18n.tr(event_key(event))}
                </label>
            }
        })
        .collect_view();
    view! {
        <form id="webhook-form" class="card form" on:submit=submit>
            <h2 class="card-title">{i18n.tr("webhooks.new")}</h2>
            <label class="field">
                <span class="field-label">{i18n.tr("webhooks.url")}</span>
                <input
                    id="webhook-url"
                    type="text"
                    inputmode="url"
                    autocomplete="off"
                    placeholder="https://erp.example.ci/hooks/crm"
                    prop:value=move || url.get()
                    on:input=move |ev| url.set(event_target_value(&ev))
                />
            </label>
            <fieldset class="field">
                <legend class="field-label">{i18n.tr("webhooks.events")}</legend>
                {boxes}
            </fieldset>
            <Show when=move || error.with(Option::is_some)>
                <p id="webhook-form-error" class="form-error" role="alert">
                    {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                </p>
            </Show>
            <button id="webhook-save" class="button button-primary" type="submit" prop:disabled=move || busy.get()>
                {i18n.tr("webhooks.save")}
            </button>
        </form>
    }
}

/// The delivery log of one endpoint, newest first, with « Renvoyer ».
#[component]
fn DeliveryLog(endpoint: i64) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);
    let data = RwSignal::new(None::<WebhookDeliveryPage>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    Effect::new(move |_| {
        reload.track();
        let p = page.get();
        loading.set(true);
        spawn_local(async move {
            let result = api::webhook_deliveries(auth, endpoint, p, PER_PAGE).await;
            loading.try_set(false);
            match result {
                Ok(d) => {
                    error.try_set(None);
                    data.try_set(Some(d));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });
    let retry = Callback::new(move |()| reload.update(|n| *n = n.wrapping_add(1)));
    let redeliver = move |id: i64| {
        spawn_local(async move {
            match api::redeliver(auth, id).await {
                Ok(_) => {
                    reload.try_update(|n| *n = n.wrapping_add(1));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    let row = move |d: WebhookDelivery| {
        let id = d.id;
        let last = match (d.last_status_code, d.last_error.clone()) {
            (_, Some(e)) => e,
            (Some(code), None) => format!("HTTP {code}"),
            (None, None) => "—".to_owned(),
        };
        let when = d
            .delivered_at
            .or(d.last_attempt_at)
            .map(format::date_time)
            .unwrap_or_else(|| "—".to_owned());
        view! {
            <tr class="delivery-row" data-delivery=id data-status=d.status.as_str()>
                <td>{i18n.tr(event_key(d.event_type))}</td>
                <td><code title=d.event_id.clone()>{d.event_id.chars().take(8).collect::<String>()}</code></td>
                <td>{i18n.tr(status_key(d.status))}</td>
                <td>{d.attempts}</td>
                <td>{last}</td>
                <td>{when}</td>
                <td class="row-actions">
                    <button class="button button-small delivery-redeliver" type="button" on:click=move |_| redeliver(id)>
                        {i18n.tr("webhooks.redeliver")}
                    </button>
                </td>
            </tr>
        }
    };
    let rows = move || {
        let items = data.with(|d| d.as_ref().map(|p| p.items.clone()).unwrap_or_default());
        if items.is_empty() {
            return view! {
                <tr class="empty-row">
                    <td colspan="7" class="empty empty-state" id="deliveries-empty">{i18n.tr("webhooks.no_delivery")}</td>
                </tr>
            }
            .into_any();
        }
        items.into_iter().map(row).collect_view().into_any()
    };
    view! {
        <section id="webhook-deliveries" class="card">
            <h2 class="card-title">{i18n.tr("webhooks.log_title")}</h2>
            <LoadError id="deliveries-error" error=error retry=retry />
            <div class="table-scroll">
                <table id="deliveries-list" class="table">
                    <thead>
                        <tr>
                            <th>{i18n.tr("webhooks.event")}</th>
                            <th>{i18n.tr("webhooks.event_id")}</th>
                            <th>{i18n.tr("webhooks.status")}</th>
                            <th>{i18n.tr("webhooks.attempts")}</th>
                            <th>{i18n.tr("webhooks.last_answer")}</th>
                            <th>{i18n.tr("webhooks.when")}</th>
                            <th class="row-actions"><span class="visually-hidden">{i18n.tr("webhooks.actions")}</span></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
            <Pager
                id="deliveries"
                label="webhooks.log_title"
                page=page
                totals=Signal::derive(move || data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                busy=loading
            />
        </section>
    }
}
