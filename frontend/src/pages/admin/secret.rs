//! The temporary password of a new or reset account, shown once with « Copier »: the
//! server keeps only its hash, so closing this panel loses it (a new reset makes another).

use leptos::prelude::*;

use crate::i18n::use_i18n;

/// A login and its temporary password, to hand to the person.
#[derive(Clone, Debug, PartialEq)]
pub struct Secret {
    /// Login.
    pub username: String,
    /// Temporary password.
    pub password: String,
}

/// The panel; hidden while `secret` is `None`.
#[component]
pub fn SecretPanel(secret: RwSignal<Option<Secret>>) -> impl IntoView {
    let i18n = use_i18n();
    let copied = RwSignal::new(false);
    let copy = move |_| {
        let Some(s) = secret.get_untracked() else {
            return;
        };
        if let Some(window) = web_sys::window() {
            // The promise is not awaited: « Copié » says the copy was asked for, and the
            // password stays on screen for the cases where the browser refuses.
            let _ = window.navigator().clipboard().write_text(&s.password);
            copied.set(true);
        }
    };
    view! {
        <Show when=move || secret.with(Option::is_some)>
            <section id="temp-password-panel" class="card secret-panel" role="status" aria-live="polite">
                <h2 class="card-title">{i18n.tr("users.secret_title")}</h2>
                <p>
                    {i18n.tr("users.secret_for")} " "
                    <strong id="temp-password-user">{move || secret.get().map(|s| s.username).unwrap_or_default()}</strong>
                </p>
                <p class="secret-row">
                    <code id="temp-password" class="secret">{move || secret.get().map(|s| s.password).unwrap_or_default()}</code>
                    <button id="temp-password-copy" class="button" type="button" on:click=copy>
                        {move || if copied.get() { i18n.t("users.copied") } else { i18n.t("users.copy") }}
                    </button>
                </p>
                <p class="hint">{i18n.tr("users.secret_hint")}</p>
                <button
                    id="temp-password-close"
                    class="button button-primary"
                    type="button"
                    on:click=move |_| {
                        copied.set(false);
                        secret.set(None);
                    }
                >
                    {i18n.tr("users.secret_done")}
                </button>
            </section>
        </Show>
    }
}
