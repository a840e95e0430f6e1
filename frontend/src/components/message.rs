//! A message to show, translated when it is displayed (so the language switch applies).

use crate::api::ApiError;
use crate::i18n::{text, Lang};

/// Something to tell the user.
#[derive(Clone, Debug, PartialEq)]
pub enum Msg {
    /// A string-table key.
    Key(&'static str),
    /// A string-table key followed by a detail (`Code-barres inconnu : 1234…`).
    KeyWith(&'static str, String),
    /// An API failure (the server's French detail, or its English text).
    Api(ApiError),
}

impl Msg {
    /// The text in `lang`.
    pub fn render(&self, lang: Lang) -> String {
        match self {
            Msg::Key(key) => text(lang, key).to_string(),
            Msg::KeyWith(key, detail) => format!("{} {detail}", text(lang, key)),
            Msg::Api(error) => error.message(lang),
        }
    }
}

/// A form's error: the message and, under it, one line per invalid field. Hidden while
/// there is no message.
#[leptos::component]
pub fn FormError(
    /// Element id of the alert.
    id: &'static str,
    /// The message.
    error: leptos::prelude::RwSignal<Option<Msg>>,
    /// The server's per-field messages.
    field_errors: leptos::prelude::RwSignal<Vec<String>>,
) -> impl leptos::IntoView {
    use leptos::prelude::*;
    let i18n = crate::i18n::use_i18n();
    view! {
        <Show when=move || error.with(Option::is_some)>
            <div id=id class="form-error" role="alert">
                <p>{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                <ul>
                    {move || field_errors.get().into_iter().map(|m| view! { <li>{m}</li> }).collect_view()}
                </ul>
            </div>
        </Show>
    }
}
