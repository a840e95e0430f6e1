//! `/login`, then the page asked for before it (`?next=`) or the role's home.

use gloo_storage::{SessionStorage, Storage};
use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::components::Redirect;
use leptos_router::hooks::{use_navigate, use_query_map};

use crate::api::{self, FLASH_EXPIRED};
use crate::app::LangSwitch;
use crate::auth::{after_login, use_auth, Session};
use crate::components::Msg;
use crate::i18n::use_i18n;

/// Username, password, submit; then the role's home.
#[component]
pub fn LoginPage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let navigate = use_navigate();
    let query = use_query_map();
    let next = move || query.with_untracked(|q| q.get("next"));

    let username = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Msg>);
    let busy = RwSignal::new(false);
    let username_ref = NodeRef::<html::Input>::new();
    let password_ref = NodeRef::<html::Input>::new();

    // The API ended the last session: say so once.
    if SessionStorage::get::<bool>(FLASH_EXPIRED).unwrap_or(false) {
        SessionStorage::delete(FLASH_EXPIRED);
        error.set(Some(Msg::Key("error.session_expired")));
    }

    Effect::new(move |_| {
        if let Some(input) = username_ref.get() {
            let _ = input.focus();
        }
    });

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let user = username.get_untracked().trim().to_string();
        let pass = password.get_untracked();
        if user.is_empty() || pass.is_empty() {
            error.set(Some(Msg::Key("login.required")));
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::login(user, pass).await {
                Ok(tokens) => {
                    let target = after_login(tokens.user.role, next().as_deref());
                    auth.set(Session::from(tokens));
                    navigate(&target, Default::default());
                }
                Err(e) => {
                    busy.set(false);
                    password.set(String::new());
                    error.set(Some(Msg::Api(e)));
                    if let Some(input) = password_ref.get_untracked() {
                        let _ = input.focus();
                    }
                }
            }
        });
    };

    let signed_in_home = move || auth.role().map(|role| after_login(role, next().as_deref()));

    view! {
        {move || signed_in_home().map(|home| view! { <Redirect path=home /> })}
        <main class="login-page">
            <div class="login-lang">
                <LangSwitch />
            </div>
            <section class="login-card card">
                <div class="login-brand">
                    <span class="brand-mark brand-mark-lg" aria-hidden="true">"◆"</span>
                    <div>
                        <div class="login-product">{i18n.tr("app.name")}</div>
                        <div class="muted">{i18n.tr("app.tagline")}</div>
                    </div>
                </div>
                <h1>{i18n.tr("login.title")}</h1>
                <p class="muted">{i18n.tr("login.subtitle")}</p>
                <form class="form" on:submit=on_submit novalidate=true>
                    <label class="field">
                        <span class="field-label">{i18n.tr("login.username")}</span>
                        <input
                            id="username"
                            name="username"
                            type="text"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            node_ref=username_ref
                            bind:value=username
                        />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("login.password")}</span>
                        <input
                            id="password"
                            name="password"
                            type="password"
                            autocomplete="current-password"
                            node_ref=password_ref
                            bind:value=password
                        />
                    </label>
                    <Show when=move || error.with(Option::is_some)>
                        <p id="login-error" class="form-error" role="alert">
                            {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                        </p>
                    </Show>
                    <button
                        id="login-submit"
                        class="button button-primary button-block"
                        type="submit"
                        disabled=move || busy.get()
                    >
                        {move || {
                            if busy.get() { i18n.t("login.submitting") } else { i18n.t("login.submit") }
                        }}
                    </button>
                </form>
            </section>
            <p class="login-footer muted">{i18n.tr("login.footer")}</p>
        </main>
    }
}
