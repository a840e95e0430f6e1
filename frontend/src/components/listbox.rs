//! Suggestions under a search field (a combobox and its listbox): ↓/↑ move the
//! highlight, Enter picks the highlighted one, Escape closes the list, a click picks; the
//! field names the highlighted option in `aria-activedescendant`.
//!
//! [`Suggestions`] is that behaviour in plain Rust (host-tested); [`SuggestionList`]
//! draws it. The field keeps its own keys: [`Suggestions::key`] says whether the list
//! took the key, and the field does what it does otherwise (the till moves the basket's
//! selection on ↓/↑ when no list is open; the coupon holder search searches at once).

use leptos::attr::custom::custom_attribute;
use leptos::prelude::*;

/// A list of suggestions and the one highlighted.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestions<T> {
    /// `None`: no list; `Some(empty)`: the search found nothing.
    items: Option<Vec<T>>,
    active: usize,
}

impl<T> Default for Suggestions<T> {
    fn default() -> Self {
        Suggestions {
            items: None,
            active: 0,
        }
    }
}

/// What a key did to the list.
#[derive(Clone, Debug, PartialEq)]
pub enum ListKey<T> {
    /// ↓ or ↑ moved the highlight (staying on the ends).
    Moved,
    /// Enter picked the highlighted suggestion (the list stays: the caller closes it).
    Picked(T),
    /// Escape closed the list.
    Closed,
    /// Not a key of the list, or no list to use it on: the field decides.
    Ignored,
}

impl<T: Clone> Suggestions<T> {
    /// A search's answer, the first one highlighted.
    pub fn found(items: Vec<T>) -> Suggestions<T> {
        Suggestions {
            items: Some(items),
            active: 0,
        }
    }

    /// Whether there are suggestions to choose from.
    pub fn is_open(&self) -> bool {
        self.items.as_ref().is_some_and(|items| !items.is_empty())
    }

    /// Whether the last search found nothing (a hint may say so).
    pub fn found_nothing(&self) -> bool {
        self.items.as_ref().is_some_and(Vec::is_empty)
    }

    /// Whether a list, even an empty one, is shown.
    pub fn is_shown(&self) -> bool {
        self.items.is_some()
    }

    /// The suggestions, none when closed.
    pub fn items(&self) -> &[T] {
        self.items.as_deref().unwrap_or_default()
    }

    /// The position of the highlighted suggestion.
    pub fn active(&self) -> usize {
        self.active
    }

    /// The highlighted suggestion.
    pub fn highlighted(&self) -> Option<&T> {
        self.items().get(self.active)
    }

    /// What `key` (a `KeyboardEvent::key`) does to the list; the caller prevents the
    /// key's default unless the answer is [`ListKey::Ignored`].
    pub fn key(&mut self, key: &str) -> ListKey<T> {
        let len = self.items().len();
        match key {
            "ArrowDown" if len > 0 => {
                self.active = (self.active + 1).min(len - 1);
                ListKey::Moved
            }
            "ArrowUp" if len > 0 => {
                self.active = self.active.saturating_sub(1);
                ListKey::Moved
            }
            "Enter" => self
                .highlighted()
                .cloned()
                .map_or(ListKey::Ignored, ListKey::Picked),
            "Escape" if self.is_shown() => {
                *self = Suggestions::default();
                ListKey::Closed
            }
            _ => ListKey::Ignored,
        }
    }
}

/// Runs `key` on the list in `signal`, which changes only if the key was the list's.
pub fn key_on<T>(signal: RwSignal<Suggestions<T>>, key: &str) -> ListKey<T>
where
    T: Clone + Send + Sync + 'static,
{
    let mut list = signal.get_untracked();
    let outcome = list.key(key);
    if !matches!(outcome, ListKey::Ignored) {
        signal.set(list);
    }
    outcome
}

/// The element id of the option `key` of the list `list_id`.
pub fn option_id(list_id: &str, key: i64) -> String {
    format!("{list_id}-option-{key}")
}

/// How the options of a [`SuggestionList`] are told apart: the name of their `data-`
/// attribute (`data-product-id`) and the value each one gets.
#[derive(Clone, Copy)]
pub struct OptionKey<T: 'static> {
    /// The attribute's name.
    pub attribute: &'static str,
    /// Its value for a suggestion, unique in the list.
    pub of: fn(&T) -> i64,
}

impl<T> OptionKey<T> {
    /// The field's `aria-activedescendant`: the highlighted option's id.
    pub fn active_descendant(self, list_id: &str, list: &Suggestions<T>) -> Option<String>
    where
        T: Clone,
    {
        list.highlighted()
            .map(|item| option_id(list_id, (self.of)(item)))
    }
}

/// The open list: `<ul role="listbox">` and one `<li role="option">` per suggestion,
/// `class` and `active` on the highlighted one. A press on an option does not take the
/// focus from the field (its blur may close the list); the click then picks it.
#[component]
pub fn SuggestionList<T, V, S, P>(
    /// Element id of the list (the field's `aria-controls`).
    id: &'static str,
    /// The suggestions.
    list: RwSignal<Suggestions<T>>,
    /// How the options are told apart.
    key: OptionKey<T>,
    /// The class of every option.
    option_class: &'static str,
    /// What an option shows.
    show: S,
    /// What picking an option does.
    on_pick: P,
    /// The list's accessible name, when the field's label is not enough.
    #[prop(optional, into)]
    label: Option<Signal<String>>,
) -> impl IntoView
where
    T: Clone + Send + Sync + 'static,
    V: IntoView + 'static,
    S: Fn(&T) -> V + Copy + Send + Sync + 'static,
    P: Fn(T) + Copy + Send + Sync + 'static,
{
    let options = move || {
        list.with(|l| {
            let active = l.active();
            l.items()
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    let is_active = i == active;
                    let value = (key.of)(item);
                    let picked = item.clone();
                    view! {
                        <li
                            id=option_id(id, value)
                            class=option_class
                            class:active=is_active
                            role="option"
                            aria-selected=if is_active { "true" } else { "false" }
                            on:mousedown=move |ev| ev.prevent_default()
                            on:click=move |_| on_pick(picked.clone())
                        >
                            {show(item)}
                        </li>
                    }
                    .add_any_attr(custom_attribute(key.attribute, value))
                })
                .collect_view()
        })
    };
    view! {
        <ul id=id class="product-results" role="listbox" aria-label=move || label.map(|l| l.get())>
            {options}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn three() -> Suggestions<&'static str> {
        Suggestions::found(vec!["a", "b", "c"])
    }

    #[test]
    fn arrows_move_the_highlight_and_stay_on_the_ends() {
        let mut list = three();
        assert_eq!(
            list.highlighted(),
            Some(&"a"),
            "the first one to begin with"
        );
        assert_eq!(list.key("ArrowUp"), ListKey::Moved);
        assert_eq!(list.active(), 0);
        list.key("ArrowDown");
        list.key("ArrowDown");
        assert_eq!(list.key("ArrowDown"), ListKey::Moved);
        assert_eq!(list.highlighted(), Some(&"c"));
        list.key("ArrowUp");
        assert_eq!(list.active(), 1);
    }

    #[test]
    fn enter_picks_the_highlighted_one() {
        let mut list = three();
        list.key("ArrowDown");
        assert_eq!(list.key("Enter"), ListKey::Picked("b"));
    }

    #[test]
    fn escape_closes_even_a_list_that_found_nothing() {
        let mut list = three();
        assert_eq!(list.key("Escape"), ListKey::Closed);
        assert!(!list.is_shown());
        let mut nobody = Suggestions::<&str>::found(Vec::new());
        assert!(nobody.found_nothing() && !nobody.is_open());
        assert_eq!(nobody.key("Escape"), ListKey::Closed);
        assert_eq!(
            nobody.key("Escape"),
            ListKey::Ignored,
            "nothing left to close"
        );
    }

    #[test]
    fn without_a_list_the_keys_are_the_fields() {
        let mut closed = Suggestions::<&str>::default();
        for key in ["ArrowDown", "ArrowUp", "Enter", "Escape", "a"] {
            assert_eq!(closed.key(key), ListKey::Ignored, "{key}");
        }
        let mut empty = Suggestions::<&str>::found(Vec::new());
        assert_eq!(empty.key("ArrowDown"), ListKey::Ignored);
        assert_eq!(empty.key("Enter"), ListKey::Ignored);
        assert_eq!(three().key("Tab"), ListKey::Ignored);
    }

    #[test]
    fn the_field_names_the_highlighted_option() {
        let key = OptionKey::<i64> {
            attribute: "data-id",
            of: |id| *id,
        };
        let mut list = Suggestions::found(vec![7, 42]);
        list.key("ArrowDown");
        assert_eq!(
            key.active_descendant("results", &list),
            Some("results-option-42".to_string())
        );
        assert_eq!(
            key.active_descendant("results", &Suggestions::default()),
            None
        );
    }
}
