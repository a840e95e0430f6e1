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
