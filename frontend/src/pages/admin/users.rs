//! « Utilisateurs »: the staff accounts, filtered by role and state, a page at a time.
//! An administrator creates one (login, full name, role, default store: its temporary
//! password is shown once), changes a role in the row, deactivates or reactivates an
//! account (a second click confirms a deactivation: its sessions end at once) and resets
//! a password. The director reads the list.

use crm_api_types::{CreateUserRequest, StaffAccount, StaffPage, StoreView, UpdateUserRequest};
use crm_domain::Role;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::rules::{role_key, users_query};
use super::secret::{Secret, SecretPanel};
use super::{can_write, Flash, LoadError};
use crate::api;
use crate::auth::use_auth;
use crate::components::{FormError, Msg, Pager};
use crate::i18n::{use_i18n, I18n};

const PER_PAGE: u64 = 20;

/// The page.
#[component]
pub fn UsersPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let writer = Memo::new(move |_| can_write(auth.role()));

    let role = RwSignal::new(String::new());
    let state = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);
    let data = RwSignal::new(None::<StaffPage>);
    let stores = RwSignal::new(Vec::<StoreView>::new());
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let flash = RwSignal::new(None::<Msg>);
    let secret = RwSignal::new(None::<Secret>);
    let creating = RwSignal::new(false);
    let confirming = RwSignal::new(None::<(i64, &'static str)>);
    let seq = StoredValue::new(0u64);

    Effect::new(move |_| {
        reload.track();
        let q = users_query(&role.get(), &state.get(), page.get(), PER_PAGE);
        let n = seq.get_value() + 1;
        seq.set_value(n);
        loading.set(true);
        spawn_local(async move {
            let result = api::users(auth, &q).await;
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
    spawn_local(async move {
        if let Ok(list) = api::stores(auth).await {
            stores.try_set(list);
        }
    });
    let refresh = move || reload.update(|n| *n = n.wrapping_add(1));
    let retry = Callback::new(move |()| refresh());

    let change = Callback::new(
        move |(id, request, done): (i64, UpdateUserRequest, &'static str)| {
            confirming.set(None);
            spawn_local(async move {
                match api::update_user(auth, id, &request).await {
                    Ok(account) => {
                        flash.try_set(Some(Msg::KeyWith(done, account.user.username)));
                        reload.try_update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => {
                        error.try_set(Some(Msg::Api(e)));
                    }
                }
            });
        },
    );
    let reset = Callback::new(move |id: i64| {
        confirming.set(None);
        spawn_local(async move {
            match api::reset_password(auth, id).await {
                Ok(answer) => {
                    flash.try_set(None);
                    secret.try_set(Some(Secret {
                        username: answer.user.username,
                        password: answer.temporary_password,
                    }));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });
    let on_created = Callback::new(move |s: Secret| {
        creating.set(false);
        secret.set(Some(s));
        page.set(1);
        refresh();
    });

    let store_name = move |id: Option<i64>| {
        id.and_then(|id| {
            stores.with(|list| list.iter().find(|s| s.id == id).map(|s| s.name.clone()))
        })
        .unwrap_or_else(|| "—".into())
    };

    let rows = move || {
        let items = data.with(|d| d.as_ref().map(|p| p.items.clone()).unwrap_or_default());
        if items.is_empty() {
            return view! {
                <tr class="empty-row">
                    <td colspan="6" class="empty empty-state" id="users-empty">{i18n.tr("users.empty")}</td>
                </tr>
            }
            .into_any();
        }
        let write = writer.get();
        let me = auth.user().map(|u| u.id);
        let choices: Vec<(i64, String)> =
            stores.with(|list| list.iter().map(|s| (s.id, s.name.clone())).collect());
        items
            .into_iter()
            .map(|a| {
                let store = StoreCell {
                    name: store_name(a.user.store_id),
                    choices: choices.clone(),
                };
                // One's own account: no role change, no deactivation (the server refuses
                // both, `user.self_lockout`); the password is changed under « Mot de passe ».
                let write = write && Some(a.user.id) != me;
                user_row(i18n, a, store, write, confirming, change, reset)
            })
            .collect_view()
            .into_any()
    };

    let role_options = move || {
        Role::ALL
            .into_iter()
            .map(|r| {
                let code = r.as_str();
                view! { <option value=code selected=move || role.get() == code>{i18n.tr(role_key(r))}</option> }
            })
            .collect_view()
    };

    view! {
        <div class="page users-page" data-page="utilisateurs">
            <header class="page-header coupons-header">
                <div>
                    <h1>{i18n.tr("users.title")}</h1>
                    <p class="muted">{i18n.tr("users.subtitle")}</p>
                </div>
                <Show when=move || writer.get()>
                    <div class="actions">
                        <button
                            id="user-new"
                            class="button button-primary"
                            type="button"
                            on:click=move |_| {
                                flash.set(None);
                                secret.set(None);
                                creating.update(|c| *c = !*c);
                            }
                        >
                            "+ " {i18n.tr("users.new")}
                        </button>
                    </div>
                </Show>
            </header>
            <SecretPanel secret=secret />
            <Flash id="users-flash" flash=flash />
            <Show when=move || creating.get()>
                <UserForm stores=stores on_created=on_created on_cancel=Callback::new(move |()| creating.set(false)) />
            </Show>
            <section class="card sales-filters coupon-filters" aria-label=i18n.tr("users.filters")>
                <label class="field">
                    <span class="field-label">{i18n.tr("users.role")}</span>
                    <select
                        id="users-filter-role"
                        prop:value=move || role.get()
                        on:change=move |ev| {
                            page.set(1);
                            role.set(event_target_value(&ev));
                        }
                    >
                        <option value="">{i18n.tr("users.all")}</option>
                        {role_options}
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("users.state")}</span>
                    <select
                        id="users-filter-state"
                        prop:value=move || state.get()
                        on:change=move |ev| {
                            page.set(1);
                            state.set(event_target_value(&ev));
                        }
                    >
                        <option value="">{i18n.tr("users.all")}</option>
                        <option value="active">{i18n.tr("users.active")}</option>
                        <option value="inactive">{i18n.tr("users.inactive")}</option>
                    </select>
                </label>
                <Show when=move || loading.get()>
                    <span class="muted loading" id="users-loading">{i18n.tr("shell.loading")}</span>
                </Show>
            </section>
            <LoadError id="users-error" error=error retry=retry />
            <section class="card">
                <div class="table-scroll">
                    <table id="users-list" class="table users-table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("users.username")}</th>
                                <th>{i18n.tr("users.display_name")}</th>
                                <th>{i18n.tr("users.role")}</th>
                                <th>{i18n.tr("users.store")}</th>
                                <th>{i18n.tr("users.state")}</th>
                                <th class="row-actions"><span class="visually-hidden">{i18n.tr("users.actions")}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <Pager
                    id="users"
                    label="users.title"
                    page=page
                    totals=Signal::derive(move || data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                    busy=loading
                    count_suffix="users.count_suffix"
                />
            </section>
        </div>
    }
}

/// The default store of a row: its name, and the stores it may be changed to.
struct StoreCell {
    name: String,
    choices: Vec<(i64, String)>,
}

/// One account: its role and store (lists for the administrator), state and actions.
fn user_row(
    i18n: I18n,
    a: StaffAccount,
    store: StoreCell,
    writer: bool,
    confirming: RwSignal<Option<(i64, &'static str)>>,
    change: Callback<(i64, UpdateUserRequest, &'static str)>,
    reset: Callback<i64>,
) -> impl IntoView {
    let id = a.user.id;
    let current = a.user.role;
    let active = a.active;
    let role_cell = if writer {
        let options = Role::ALL
            .into_iter()
            .map(|r| view! { <option value=r.as_str() selected=r == current>{i18n.tr(role_key(r))}</option> })
            .collect_view();
        view! {
            <select
                class="user-role-select"
                data-user-id=id
                aria-label=i18n.tr("users.change_role")
                on:change=move |ev| {
                    if let Ok(role) = event_target_value(&ev).parse::<Role>() {
                        let request = UpdateUserRequest { role: Some(role), ..Default::default() };
                        change.run((id, request, "users.role_changed"));
                    }
                }
            >
                {options}
            </select>
        }
        .into_any()
    } else {
        view! { <span>{i18n.tr(role_key(current))}</span> }.into_any()
    };
    let current_store = a.user.store_id;
    let store_cell = if writer && !store.choices.is_empty() {
        let options = store
            .choices
            .into_iter()
            .map(|(sid, name)| view! { <option value=sid.to_string() selected=Some(sid) == current_store>{name}</option> })
            .collect_view();
        view! {
            <select
                class="user-store-select"
                data-user-id=id
                aria-label=i18n.tr("users.change_store")
                on:change=move |ev| {
                    // « Aucun » (empty) takes the default store away.
                    let store_id = event_target_value(&ev).parse::<i64>().ok();
                    let request = UpdateUserRequest { store_id: Some(store_id), ..Default::default() };
                    change.run((id, request, "users.store_changed"));
                }
            >
                <option value="" selected=current_store.is_none()>{i18n.tr("users.no_store")}</option>
                {options}
            </select>
        }
        .into_any()
    } else {
        view! { <span>{store.name}</span> }.into_any()
    };
    let armed = move |what: &'static str| confirming.get() == Some((id, what));
    let actions = writer.then(|| {
        view! {
            <button
                type="button"
                class="button button-small user-toggle"
                class=("button-danger", move || armed("toggle"))
                data-user-id=id
                on:click=move |_| {
                    if active && confirming.get_untracked() != Some((id, "toggle")) {
                        confirming.set(Some((id, "toggle")));
                        return;
                    }
                    let request = UpdateUserRequest { active: Some(!active), ..Default::default() };
                    change.run((id, request, if active { "users.deactivated" } else { "users.activated" }));
                }
            >
                {move || match (active, armed("toggle")) {
                    (true, true) => i18n.t("users.confirm_deactivate"),
                    (true, false) => i18n.t("users.deactivate"),
                    _ => i18n.t("users.activate"),
                }}
            </button>
            <button
                type="button"
                class="button button-small user-reset"
                title=i18n.tr("users.reset_title")
                class=("button-danger", move || armed("reset"))
                data-user-id=id
                on:click=move |_| {
                    if confirming.get_untracked() == Some((id, "reset")) {
                        reset.run(id);
                    } else {
                        confirming.set(Some((id, "reset")));
                    }
                }
            >
                {move || if armed("reset") { i18n.t("users.confirm_reset") } else { i18n.t("users.reset") }}
            </button>
        }
    });
    let state_class = if active {
        "badge status coupon-status-active"
    } else {
        "badge status coupon-status-inactive"
    };
    view! {
        <tr class="user-row" data-user-id=id data-username=a.user.username.clone()>
            <td><code>{a.user.username.clone()}</code></td>
            <td>
                {a.user.display_name.clone()}
                {a.user.must_change_password.then(|| view! { <div class="muted cell-note">{i18n.tr("users.must_change")}</div> })}
            </td>
            <td>{role_cell}</td>
            <td>{store_cell}</td>
            <td><span class=state_class>{move || if active { i18n.t("users.active_one") } else { i18n.t("users.inactive_one") }}</span></td>
            <td class="row-actions"><div class="row-buttons">{actions}</div></td>
        </tr>
    }
}

/// « Nouvel utilisateur »: login, full name, role, default store.
#[component]
fn UserForm(
    stores: RwSignal<Vec<StoreView>>,
    on_created: Callback<Secret>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let username = RwSignal::new(String::new());
    let display_name = RwSignal::new(String::new());
    let role = RwSignal::new(Role::Cashier.as_str().to_owned());
    let store = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let Ok(role) = role.get_untracked().parse::<Role>() else {
            return;
        };
        let request = CreateUserRequest {
            username: username.get_untracked().trim().to_owned(),
            display_name: display_name.get_untracked().trim().to_owned(),
            role,
            store_id: store.get_untracked().parse().ok(),
        };
        busy.set(true);
        spawn_local(async move {
            let result = api::create_user(auth, &request).await;
            busy.try_set(false);
            match result {
                Ok(created) => on_created.run(Secret {
                    username: created.account.user.username,
                    password: created.temporary_password,
                }),
                Err(e) => {
                    let fields = match &e {
                        api::ApiError::Problem(p) => {
                            p.errors.iter().map(|f| f.message.clone()).collect()
                        }
                        _ => Vec::new(),
                    };
                    field_errors.try_set(fields);
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let role_options = move || {
        Role::ALL
            .into_iter()
            .map(|r| view! { <option value=r.as_str() selected=move || role.get() == r.as_str()>{i18n.tr(role_key(r))}</option> })
            .collect_view()
    };
    let store_options = move || {
        stores
            .get()
            .into_iter()
            .map(|s| {
                let value = s.id.to_string();
                view! { <option value=value>{s.name} " (" {s.code} ")"</option> }
            })
            .collect_view()
    };

    view! {
        <section class="card admin-form" id="user-form" aria-labelledby="user-form-title">
            <h2 id="user-form-title" class="card-title">{i18n.tr("users.create_title")}</h2>
            <form on:submit=submit novalidate=true>
                <div class="form-grid">
                    <label class="field">
                        <span class="field-label">{i18n.tr("users.username")}</span>
                        <input id="user-username" type="text" autocomplete="off" required=true bind:value=username />
                        <span class="hint">{i18n.tr("users.username_hint")}</span>
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("users.display_name")}</span>
                        <input id="user-display-name" type="text" autocomplete="off" required=true bind:value=display_name />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("users.role")}</span>
                        <select id="user-role" prop:value=move || role.get() on:change=move |ev| role.set(event_target_value(&ev))>
                            {role_options}
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("users.store")}</span>
                        <select id="user-store" prop:value=move || store.get() on:change=move |ev| store.set(event_target_value(&ev))>
                            <option value="">{i18n.tr("users.no_store")}</option>
                            {store_options}
                        </select>
                    </label>
                </div>
                <FormError id="user-form-error" error=error field_errors=field_errors />
                <div class="actions">
                    <button id="user-create" class="button button-primary" type="submit" disabled=move || busy.get()>
                        {i18n.tr("users.create")}
                    </button>
                    <button class="button" type="button" on:click=move |_| on_cancel.run(())>
                        {i18n.tr("admin.cancel")}
                    </button>
                </div>
            </form>
        </section>
    }
}
