//! "Changer le mot de passe": any staff member can open it from the header; an account
//! flagged to change its password (first login with a temporary or imported password)
//! sees only this screen until it has chosen its own.

use leptos::ev::SubmitEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;

use crate::api;
use crate::auth::{home_path, use_auth, Session};
use crate::components::Msg;
use crate::i18n::use_i18n;

/// The form. `forced`: the account may do nothing else (no way back, the menu is hidden).
#[component]
pub fn PasswordPage(#[prop(optional)] forced: bool) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let navigate = use_navigate();

    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let error = RwSignal::new(None::<Msg>);
    let done = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let current_ref = NodeRef::<html::Input>::new();

    Effect::new(move |_| {
        if let Some(input) = current_ref.get() {
            let _ = input.focus();
        }
    });

    let username = move || auth.user().map(|u| u.username).unwrap_or_default();
    // The policy as the server applies it, shown while typing.
    let policy = move || {
        let typed = new.get();
        if typed.is_empty() {
            return None;
        }
        crm_domain::password::check(&typed, &username()).err()
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let (old, fresh) = (current.get_untracked(), new.get_untracked());
        if old.is_empty() || fresh.is_empty() {
            error.set(Some(Msg::Key("password.required")));
            return;
        }
        if fresh != confirm.get_untracked() {
            error.set(Some(Msg::Key("password.mismatch")));
            return;
        }
        busy.set(true);
        error.set(None);
        let navigate = navigate.clone();
        spawn_local(async move {
            match api::change_password(auth, old, fresh).await {
                Ok(tokens) => {
                    let home = home_path(tokens.user.role);
                    auth.set(Session::from(tokens));
                    busy.set(false);
                    done.set(true);
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    if forced {
                        navigate(home, Default::default());
                    }
                }
                Err(e) => {
                    busy.set(false);
                    error.set(Some(Msg::Api(e)));
                }
            }
        });
    };

    view! {
        <section class="card password-card" id="password-page">
            <h1>{i18n.tr("password.title")}</h1>
            <Show when=move || forced>
                <p id="password-forced" class="notice-inline" role="status">
                    {i18n.tr("password.forced")}
                </p>
            </Show>
            <p class="muted">{i18n.tr("password.rules")}</p>
            <form class="form" on:submit=on_submit novalidate=true>
                <label class="field">
                    <span class="field-label">{i18n.tr("password.current")}</span>
                    <input
                        id="password-current"
                        type="password"
                        autocomplete="current-password"
                        node_ref=current_ref
                        bind:value=current
                    />
                </label>
                <label class="field">
                    <span class="field-label">{i18n.tr("password.new")}</span>
                    <input
                        id="password-new"
                        type="password"
                        autocomplete="new-password"
                        bind:value=new
                        aria-describedby="password-policy"
                    />
                </label>
                <p id="password-policy" class="field-hint" aria-live="polite">
                    {move || policy().map(|refusal| refusal.to_string()).unwrap_or_default()}
                </p>
                <label class="field">
                    <span class="field-label">{i18n.tr("password.confirm")}</span>
                    <input
                        id="password-confirm"
                        type="password"
                        autocomplete="new-password"
                        bind:value=confirm
                    />
                </label>
                <Show when=move || error.with(Option::is_some)>
                    <p id="password-error" class="form-error" role="alert">
                        {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                    </p>
                </Show>
                <Show when=move || done.get()>
                    <p id="password-done" class="form-success" role="status">
                        {i18n.tr("password.done")}
                    </p>
                </Show>
                <button
                    id="password-submit"
                    class="button button-primary"
                    type="submit"
                    disabled=move || busy.get()
                >
                    {i18n.tr("password.submit")}
                </button>
            </form>
        </section>
    }
}
