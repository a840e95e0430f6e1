//! « Magasins et caisses »: each store (code, city, address, time zone) with its tills.
//! An administrator opens a store, changes it, adds a till, renames one, closes or
//! reopens it (a closed till takes no sale); the director reads.

use crm_api_types::{
    CreateStoreRequest, CreateTillRequest, StoreView, TillView, UpdateStoreRequest,
    UpdateTillRequest,
};
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{can_write, Flash, LoadError};
use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{FormError, Msg};
use crate::i18n::use_i18n;

/// The store's default time zone: the chain's home.
const HOME_TIME_ZONE: &str = "Africa/Abidjan";

/// The server's per-field messages of a failure.
fn field_messages(e: &ApiError) -> Vec<String> {
    match e {
        ApiError::Problem(p) => p.errors.iter().map(|f| f.message.clone()).collect(),
        _ => Vec::new(),
    }
}

/// `Some(text)` unless blank.
fn filled(text: String) -> Option<String> {
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

/// The page.
#[component]
pub fn StoresPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let writer = Memo::new(move |_| can_write(auth.role()));
    let stores = RwSignal::new(None::<Vec<StoreView>>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let flash = RwSignal::new(None::<Msg>);
    let creating = RwSignal::new(false);

    let load = move || {
        loading.set(true);
        spawn_local(async move {
            let result = api::stores(auth).await;
            loading.try_set(false);
            match result {
                Ok(list) => {
                    error.try_set(None);
                    stores.try_set(Some(list));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    load();
    let reload = Callback::new(move |()| load());
    let done = Callback::new(move |msg: Msg| {
        flash.set(Some(msg));
        creating.set(false);
        load();
    });

    let cards = move || {
        let Some(list) = stores.get() else {
            return ().into_any();
        };
        if list.is_empty() {
            return view! { <p id="stores-empty" class="card empty empty-state">{i18n.tr("stores.empty")}</p> }.into_any();
        }
        let write = writer.get();
        list.into_iter()
            .map(|s| view! { <StoreCard shop=s writer=write done=done /> })
            .collect_view()
            .into_any()
    };

    view! {
        <div class="page stores-page" data-page="magasins">
            <header class="page-header coupons-header">
                <div>
                    <h1>{i18n.tr("stores.title")}</h1>
                    <p class="muted">{i18n.tr("stores.subtitle")}</p>
                </div>
                <Show when=move || writer.get()>
                    <div class="actions">
                        <button id="store-new" class="button button-primary" type="button" on:click=move |_| creating.update(|c| *c = !*c)>
                            "+ " {i18n.tr("stores.new")}
                        </button>
                    </div>
                </Show>
            </header>
            <Flash id="stores-flash" flash=flash />
            <Show when=move || creating.get()>
                <StoreForm shop=None done=done on_cancel=Callback::new(move |()| creating.set(false)) />
            </Show>
            <LoadError id="stores-error" error=error retry=reload />
            <Show when=move || loading.get() && stores.with(Option::is_none)>
                <p class="muted loading" id="stores-loading">{i18n.tr("shell.loading")}</p>
            </Show>
            <div class="store-cards">{cards}</div>
        </div>
    }
}

/// A store and its tills.
#[component]
fn StoreCard(shop: StoreView, writer: bool, done: Callback<Msg>) -> impl IntoView {
    let i18n = use_i18n();
    let editing = RwSignal::new(false);
    let adding = RwSignal::new(false);
    let id = shop.id;
    let edited = shop.clone();
    let tills = shop
        .tills
        .iter()
        .cloned()
        .map(|t| view! { <TillRow till=t writer=writer done=done /> })
        .collect_view();
    let empty = shop.tills.is_empty();
    view! {
        <section class="card store-card" data-store-id=id data-store-code=shop.code.clone()>
            <header class="store-head">
                <div>
                    <h2 class="card-title">{shop.name.clone()} " " <code class="badge">{shop.code.clone()}</code></h2>
                    <p class="muted store-meta">
                        {shop.city.clone()}
                        {shop.address.clone().map(|a| format!(" · {a}"))}
                        " · " <span class="store-timezone">{shop.timezone.clone()}</span>
                    </p>
                </div>
                {writer.then(|| view! {
                    <div class="actions">
                        <button class="button button-small store-edit" type="button" on:click=move |_| editing.update(|e| *e = !*e)>
                            {i18n.tr("stores.edit")}
                        </button>
                        <button class="button button-small till-new" type="button" on:click=move |_| adding.update(|a| *a = !*a)>
                            "+ " {i18n.tr("stores.till_new")}
                        </button>
                    </div>
                })}
            </header>
            <Show when=move || editing.get()>
                <StoreForm shop=Some(edited.clone()) done=done on_cancel=Callback::new(move |()| editing.set(false)) />
            </Show>
            <Show when=move || adding.get()>
                <TillForm store_id=id done=done on_cancel=Callback::new(move |()| adding.set(false)) />
            </Show>
            <table class="table tills-table">
                <thead>
                    <tr>
                        <th>{i18n.tr("stores.till_code")}</th>
                        <th>{i18n.tr("stores.till_name")}</th>
                        <th>{i18n.tr("users.state")}</th>
                        <th class="row-actions"><span class="visually-hidden">{i18n.tr("users.actions")}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {empty.then(|| view! { <tr class="empty-row"><td colspan="4" class="empty">{i18n.tr("stores.no_till")}</td></tr> })}
                    {tills}
                </tbody>
            </table>
        </section>
    }
}

/// A till: rename in place, close or reopen.
#[component]
fn TillRow(till: TillView, writer: bool, done: Callback<Msg>) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let name = RwSignal::new(till.name.clone());
    let error = RwSignal::new(None::<Msg>);
    let id = till.id;
    let active = till.active;
    let send = move |request: UpdateTillRequest, msg: &'static str| {
        spawn_local(async move {
            match api::update_till(auth, id, &request).await {
                Ok(t) => done.run(Msg::KeyWith(msg, t.name)),
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    let name_cell = if writer {
        view! {
            <form
                class="inline-form"
                on:submit=move |ev: SubmitEvent| {
                    ev.prevent_default();
                    send(UpdateTillRequest { name: Some(name.get_untracked()), active: None }, "stores.till_renamed");
                }
            >
                <input class="till-name" type="text" aria-label=i18n.tr("stores.till_name") bind:value=name />
                <button class="button button-small till-rename" type="submit">{i18n.tr("stores.rename")}</button>
            </form>
        }
        .into_any()
    } else {
        view! { <span>{till.name.clone()}</span> }.into_any()
    };
    view! {
        <tr class="till-row" data-till-id=id data-till-code=till.code.clone()>
            <td><code>{till.code.clone()}</code></td>
            <td>
                {name_cell}
                <Show when=move || error.with(Option::is_some)>
                    <p class="field-error" role="alert">{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                </Show>
            </td>
            <td>
                <span class=if active { "badge status coupon-status-active" } else { "badge status coupon-status-inactive" }>
                    {move || if active { i18n.t("stores.open") } else { i18n.t("stores.closed") }}
                </span>
            </td>
            <td class="row-actions">
                {writer.then(|| view! {
                    <button
                        class="button button-small till-toggle"
                        type="button"
                        on:click=move |_| send(
                            UpdateTillRequest { name: None, active: Some(!active) },
                            if active { "stores.till_closed" } else { "stores.till_opened" },
                        )
                    >
                        {move || if active { i18n.t("stores.close_till") } else { i18n.t("stores.open_till") }}
                    </button>
                })}
            </td>
        </tr>
    }
}

/// A new store (`shop` = `None`) or a store's changes.
#[component]
fn StoreForm(
    shop: Option<StoreView>,
    done: Callback<Msg>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let editing = shop.as_ref().map(|s| s.id);
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(shop.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let city = RwSignal::new(
        shop.as_ref()
            .map(|s| s.city.clone())
            .unwrap_or_else(|| "Abidjan".into()),
    );
    let address = RwSignal::new(
        shop.as_ref()
            .and_then(|s| s.address.clone())
            .unwrap_or_default(),
    );
    let timezone = RwSignal::new(
        shop.as_ref()
            .map(|s| s.timezone.clone())
            .unwrap_or_else(|| HOME_TIME_ZONE.into()),
    );
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = match editing {
                Some(id) => {
                    let request = UpdateStoreRequest {
                        name: Some(name.get_untracked()),
                        city: Some(city.get_untracked()),
                        address: Some(address.get_untracked().trim().to_owned()),
                        timezone: Some(timezone.get_untracked()),
                    };
                    api::update_store(auth, id, &request)
                        .await
                        .map(|s| Msg::KeyWith("stores.saved", s.name))
                }
                None => {
                    let request = CreateStoreRequest {
                        code: code.get_untracked().trim().to_uppercase(),
                        name: name.get_untracked(),
                        city: city.get_untracked(),
                        address: filled(address.get_untracked()),
                        timezone: timezone.get_untracked(),
                    };
                    api::create_store(auth, &request)
                        .await
                        .map(|s| Msg::KeyWith("stores.created", s.name))
                }
            };
            busy.try_set(false);
            match result {
                Ok(msg) => done.run(msg),
                Err(e) => {
                    field_errors.try_set(field_messages(&e));
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    let is_new = editing.is_none();
    view! {
        <form class="admin-form store-form" on:submit=submit novalidate=true>
            <h3 class="card-title">{if is_new { i18n.t("stores.create_title") } else { i18n.t("stores.edit_title") }}</h3>
            <div class="form-grid">
                {is_new.then(|| view! {
                    <label class="field">
                        <span class="field-label">{i18n.tr("stores.code")}</span>
                        <input id="store-code" type="text" autocomplete="off" bind:value=code />
                    </label>
                })}
                <label class="field">
                    <span class="field-label">{i18n.tr("stores.name")}</span>
                    <input class="store-name" type="text" autocomplete="off" bind:value=name />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("stores.city")}</span>
                    <input class="store-city" type="text" autocomplete="off" bind:value=city />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("stores.address")}</span>
                    <input class="store-address" type="text" autocomplete="off" bind:value=address />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("stores.timezone")}</span>
                    <input class="store-tz" type="text" autocomplete="off" bind:value=timezone />
                    <span class="hint">{i18n.tr("stores.timezone_hint")}</span>
                </label>
            </div>
            <FormError id="store-form-error" error=error field_errors=field_errors />
            <div class="actions">
                <button class="button button-primary store-save" type="submit" disabled=move || busy.get()>{i18n.tr("admin.save")}</button>
                <button class="button" type="button" on:click=move |_| on_cancel.run(())>{i18n.tr("admin.cancel")}</button>
            </div>
        </form>
    }
}

/// A new till in a store.
#[component]
fn TillForm(store_id: i64, done: Callback<Msg>, on_cancel: Callback<()>) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let code = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());
    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let request = CreateTillRequest {
            code: code.get_untracked().trim().to_uppercase(),
            name: name.get_untracked(),
        };
        spawn_local(async move {
            match api::create_till(auth, store_id, &request).await {
                Ok(t) => done.run(Msg::KeyWith("stores.till_created", t.name)),
                Err(e) => {
                    field_errors.try_set(field_messages(&e));
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    view! {
        <form class="admin-form till-form-new" on:submit=submit novalidate=true>
            <div class="form-grid">
                <label class="field">
                    <span class="field-label">{i18n.tr("stores.till_code")}</span>
                    <input class="till-code-input" type="text" autocomplete="off" bind:value=code />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("stores.till_name")}</span>
                    <input class="till-name-input" type="text" autocomplete="off" bind:value=name />
                </label>
            </div>
            <FormError id="till-form-error" error=error field_errors=field_errors />
            <div class="actions">
                <button class="button button-primary till-save" type="submit">{i18n.tr("stores.till_add")}</button>
                <button class="button" type="button" on:click=move |_| on_cancel.run(())>{i18n.tr("admin.cancel")}</button>
            </div>
        </form>
    }
}
