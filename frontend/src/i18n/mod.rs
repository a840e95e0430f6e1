//! UI strings: a key → (French, English) table and the language switch.
//!
//! French is the default; the choice is kept in `localStorage` under [`LANG_KEY`].

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

mod strings;

/// Where the chosen language is remembered.
const LANG_KEY: &str = "crm.lang";

/// A UI language.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    /// Français (default).
    Fr,
    /// English.
    En,
}

impl Lang {
    /// The `lang` attribute value.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Fr => "fr",
            Lang::En => "en",
        }
    }

    fn from_code(code: &str) -> Option<Lang> {
        match code {
            "fr" => Some(Lang::Fr),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// The other language.
    pub fn other(self) -> Lang {
        match self {
            Lang::Fr => Lang::En,
            Lang::En => Lang::Fr,
        }
    }
}

/// The current language, shared through the context.
#[derive(Clone, Copy)]
pub struct I18n {
    lang: RwSignal<Lang>,
}

impl I18n {
    /// Reads the saved language (French when none) and provides the context.
    pub fn provide() -> I18n {
        let saved = LocalStorage::raw()
            .get_item(LANG_KEY)
            .ok()
            .flatten()
            .and_then(|code| Lang::from_code(&code))
            .unwrap_or(Lang::Fr);
        let i18n = I18n {
            lang: RwSignal::new(saved),
        };
        set_document_lang(saved);
        provide_context(i18n);
        i18n
    }

    /// The current language (reactive).
    pub fn lang(self) -> Lang {
        self.lang.get()
    }

    /// Switches to `lang` and remembers it.
    pub fn set(self, lang: Lang) {
        self.lang.set(lang);
        let _ = LocalStorage::raw().set_item(LANG_KEY, lang.code());
        set_document_lang(lang);
    }

    /// Switches to the other language.
    pub fn toggle(self) {
        self.set(self.lang.get_untracked().other());
    }

    /// The text of `key` in the current language (reactive).
    pub fn t(self, key: &'static str) -> &'static str {
        text(self.lang.get(), key)
    }

    /// A reactive closure for `view!`: `{i18n.tr("login.title")}`.
    pub fn tr(self, key: &'static str) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
        move || self.t(key)
    }
}

/// The I18n context provided by the app.
pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// The text of `key` in `lang`; the key itself when it is missing (visible in review).
pub fn text(lang: Lang, key: &'static str) -> &'static str {
    match strings::STRINGS.iter().find(|(k, _, _)| *k == key) {
        Some((_, fr, en)) => match lang {
            Lang::Fr => fr,
            Lang::En => en,
        },
        None => key,
    }
}

/// The text of a key built at run time (e.g. `error.phone.invalid`), if the table has it.
pub fn lookup(lang: Lang, key: &str) -> Option<&'static str> {
    strings::STRINGS
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, fr, en)| match lang {
            Lang::Fr => *fr,
            Lang::En => *en,
        })
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
}

#[cfg(test)]
mod tests {
    use super::strings::STRINGS;
    use std::collections::BTreeSet;

    /// The server may answer any code of `crm_domain::codes`; the SPA must be able to say
    /// each one in both languages (`ApiError::message` shows `error.<code>`).
    #[test]
    fn every_problem_code_has_a_french_and_an_english_text() {
        let missing: Vec<_> = crm_domain::codes::ALL
            .iter()
            .filter(|code| {
                let key = format!("error.{code}");
                !STRINGS
                    .iter()
                    .any(|(k, fr, en)| *k == key && !fr.trim().is_empty() && !en.trim().is_empty())
            })
            .collect();
        assert!(
            missing.is_empty(),
            "problem codes without `error.<code>` texts in frontend/src/i18n/strings.rs: {missing:?}"
        );
    }

    /// A second row for a key would never be shown: `text` takes the first.
    #[test]
    fn every_key_is_listed_once() {
        let mut seen = BTreeSet::new();
        let twice: Vec<_> = STRINGS
            .iter()
            .filter(|(key, _, _)| !seen.insert(*key))
            .collect();
        assert!(twice.is_empty(), "keys listed twice: {twice:?}");
    }
}
