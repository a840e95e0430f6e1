//! The scan field (`#barcode`): scans, product search and the keys that work on the
//! basket while it is empty.
//!
//! The results on screen always belong to the text in the field: typing clears them, and
//! an answer for an older text is dropped. Enter before the answer waits for it.

use crm_api_types::Product;
use crm_domain::barcode::is_ean13;
use leptos::ev::KeyboardEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{scroll_to, Till};
use crate::api;
use crate::components::listbox::key_on;
use crate::components::{ListKey, Msg, OptionKey, SuggestionList, Suggestions};
use crate::format::money;
use crate::i18n::use_i18n;

/// How long the typing pauses before the product search runs.
const SEARCH_PAUSE_MS: u64 = 200;

/// What Enter in the scan field does with the text in it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Entry {
    /// Nothing typed.
    Empty,
    /// An EAN-13 barcode (the check digit is right): the product is looked up.
    Barcode(String),
    /// Thirteen digits with a wrong check digit: a misread scan, which no product can
    /// have (the catalogue only takes valid EAN-13), so it is refused at once.
    Misread(String),
    /// Anything else: a product search.
    Text(String),
}

impl Entry {
    /// The field's text, trimmed.
    pub fn of(text: &str) -> Entry {
        let text = text.trim();
        if text.is_empty() {
            Entry::Empty
        } else if is_ean13(text) {
            Entry::Barcode(text.to_string())
        } else if text.len() == 13 && text.bytes().all(|b| b.is_ascii_digit()) {
            Entry::Misread(text.to_string())
        } else {
            Entry::Text(text.to_string())
        }
    }
}

/// Whether the text is searched as it is typed: two characters at least, and not digits
/// only (a scan on its way).
pub fn searched_as_typed(text: &str) -> bool {
    text.chars().count() >= 2 && !text.chars().all(|c| c.is_ascii_digit())
}

/// The id of the result list (the field's `aria-controls`).
const RESULTS: &str = "product-results";

/// The results are told apart by product id (`data-product-id`).
const PRODUCT: OptionKey<Product> = OptionKey {
    attribute: "data-product-id",
    of: |p| p.id,
};

/// What the scan field holds and which search counts, kept for the life of the till.
#[derive(Clone, Copy)]
pub(super) struct ScanInput {
    query: RwSignal<String>,
    searching: RwSignal<bool>,
    /// Numbers the searches: only the latest answer counts.
    search_seq: StoredValue<u64>,
    /// The text Enter was pressed on before its answer came.
    enter_waiting: StoredValue<Option<String>>,
}

impl ScanInput {
    /// The field, and what watches the till for it: a barcode scanned into the phone
    /// field, the highlighted result kept in view.
    pub(super) fn new(till: Till) -> ScanInput {
        let input = ScanInput {
            query: RwSignal::new(String::new()),
            searching: RwSignal::new(false),
            search_seq: StoredValue::new(0),
            enter_waiting: StoredValue::new(None),
        };
        let state = till.state;
        Effect::new(move |_| {
            let Some(code) = state.scanned.get() else {
                return;
            };
            state.scanned.update_untracked(|s| *s = None);
            input.lookup_barcode(till, code);
        });
        Effect::new(move |_| {
            if state.results.with(Suggestions::is_open) {
                scroll_to(".product-result.active");
            }
        });
        input
    }

    /// Adds a product chosen in the results (or the only one found).
    fn pick(self, till: Till, product: Product) {
        till.state.results.set(Suggestions::default());
        self.query.set(String::new());
        till.state.add_product(product);
        till.focus.barcode();
    }

    fn lookup_barcode(self, till: Till, code: String) {
        let state = till.state;
        // Already in the basket: one more unit, no round trip.
        if let Some(id) = state.basket.with_untracked(|b| b.line_with_barcode(&code)) {
            state.change_quantity(id, 1);
            state.basket_error.set(None);
            return;
        }
        spawn_local(async move {
            match api::product_by_barcode(till.auth, &code).await {
                Ok(page) => match page.items.into_iter().next() {
                    Some(product) => state.add_product(product),
                    None => state
                        .basket_error
                        .set(Some(Msg::KeyWith("pos.unknown_barcode", code))),
                },
                Err(e) => state.basket_error.set(Some(Msg::Api(e))),
            }
        });
    }

    fn search(self, till: Till, text: String) {
        let state = till.state;
        let n = self.search_seq.get_value() + 1;
        self.search_seq.set_value(n);
        self.searching.set(true);
        spawn_local(async move {
            let result = api::search_products(till.auth, &text).await;
            let current = self.search_seq.try_get_value() == Some(n)
                && self.query.with_untracked(|q| q.trim() == text);
            if !current {
                return;
            }
            self.searching.set(false);
            let entered = self
                .enter_waiting
                .with_value(|w| w.as_deref() == Some(text.as_str()));
            self.enter_waiting.set_value(None);
            match result {
                Ok(page) if page.items.is_empty() => {
                    state.results.set(Suggestions::default());
                    state
                        .basket_error
                        .set(Some(Msg::KeyWith("pos.no_product", format!("« {text} »"))));
                }
                Ok(mut page) if entered && page.items.len() == 1 => {
                    self.pick(till, page.items.remove(0));
                }
                Ok(page) => {
                    state.basket_error.set(None);
                    state.results.set(Suggestions::found(page.items));
                }
                Err(e) => {
                    state.results.set(Suggestions::default());
                    state.basket_error.set(Some(Msg::Api(e)));
                }
            }
        });
    }

    /// Search as you type, once the typing pauses.
    fn typed(self, till: Till, text: String) {
        till.state.results.set(Suggestions::default());
        self.enter_waiting.set_value(None);
        let n = self.search_seq.get_value() + 1;
        self.search_seq.set_value(n);
        self.searching.set(false);
        if !searched_as_typed(&text) {
            return;
        }
        set_timeout(
            move || {
                if self.search_seq.try_get_value() == Some(n) {
                    self.search(till, text);
                }
            },
            std::time::Duration::from_millis(SEARCH_PAUSE_MS),
        );
    }

    fn key(self, till: Till, ev: &KeyboardEvent) {
        let state = till.state;
        let key = ev.key();
        if key == "Enter" && (ev.ctrl_key() || ev.meta_key()) {
            return;
        }
        let entry = Entry::of(&self.query.get_untracked());
        // A scan goes to the basket even while a list is open.
        let scan = matches!(entry, Entry::Barcode(_) | Entry::Misread(_));
        if !(key == "Enter" && scan) {
            match key_on(state.results, &key) {
                ListKey::Ignored => {}
                ListKey::Picked(product) => {
                    ev.prevent_default();
                    self.pick(till, product);
                    return;
                }
                ListKey::Moved | ListKey::Closed => {
                    ev.prevent_default();
                    return;
                }
            }
        }
        match key.as_str() {
            "Enter" => {
                ev.prevent_default();
                match entry {
                    Entry::Empty => till.go_on(),
                    Entry::Barcode(code) => {
                        self.query.set(String::new());
                        state.results.set(Suggestions::default());
                        self.lookup_barcode(till, code);
                    }
                    Entry::Misread(code) => {
                        self.query.set(String::new());
                        state.results.set(Suggestions::default());
                        state
                            .basket_error
                            .set(Some(Msg::KeyWith("pos.unknown_barcode", code)));
                    }
                    Entry::Text(text) => {
                        // No list for this text yet: its answer adds the product if it is
                        // the only one, or shows the list.
                        self.enter_waiting.set_value(Some(text.clone()));
                        self.search(till, text);
                    }
                }
            }
            // No list open: ↓/↑ move the basket's selection.
            "ArrowDown" | "ArrowUp" => {
                ev.prevent_default();
                let step = if key == "ArrowDown" { 1 } else { -1 };
                state.basket.update(|b| b.move_selection(step));
            }
            "Escape" if entry != Entry::Empty => {
                ev.prevent_default();
                self.query.set(String::new());
            }
            "+" | "-" if entry == Entry::Empty => {
                ev.prevent_default();
                if let Some(id) = state.basket.with_untracked(|b| b.selected) {
                    state.change_quantity(id, if key == "+" { 1 } else { -1 });
                }
            }
            "Delete" if entry == Entry::Empty => {
                ev.prevent_default();
                if let Some(id) = state.basket.with_untracked(|b| b.selected) {
                    state.remove(id);
                }
            }
            _ => {}
        }
    }
}

/// The scan field, its result list and the basket's error.
#[component]
pub(super) fn ScanField(till: Till, input: ScanInput) -> impl IntoView {
    let i18n = use_i18n();
    let state = till.state;
    let (results, basket_error) = (state.results, state.basket_error);
    let show = |p: &Product| {
        view! {
            <span class="result-name">{p.name.clone()}</span>
            <span class="muted mono result-sku">{p.sku.clone()}</span>
            <span class="result-price">{money(p.price)}</span>
        }
    };

    view! {
        <div class="scan">
            <label class="field" for="barcode">
                <span class="field-label">{i18n.tr("pos.barcode")}</span>
            </label>
            <div class="scan-box">
                <input
                    id="barcode"
                    name="barcode"
                    type="text"
                    autocomplete="off"
                    class="input-scan"
                    role="combobox"
                    aria-controls=RESULTS
                    aria-expanded=move || if results.with(Suggestions::is_shown) { "true" } else { "false" }
                    aria-activedescendant=move || results.with(|r| PRODUCT.active_descendant(RESULTS, r))
                    aria-describedby="basket-error checkout-hint"
                    placeholder=i18n.tr("pos.barcode_placeholder")
                    node_ref=till.focus.barcode
                    bind:value=input.query
                    on:keydown=move |ev: KeyboardEvent| input.key(till, &ev)
                    on:input=move |ev| input.typed(till, event_target_value(&ev).trim().to_string())
                />
                <Show when=move || input.searching.get()>
                    <span class="scan-spinner muted">{i18n.tr("pos.searching")}</span>
                </Show>
                <Show when=move || results.with(Suggestions::is_open)>
                    <SuggestionList
                        id=RESULTS
                        list=results
                        key=PRODUCT
                        option_class="product-result"
                        show=show
                        on_pick=move |product| input.pick(till, product)
                    />
                </Show>
            </div>
            <Show when=move || basket_error.with(Option::is_some)>
                <p id="basket-error" class="form-error" role="alert">
                    {move || basket_error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                </p>
            </Show>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_scan_is_a_valid_ean13_and_a_misread_is_refused_without_a_search() {
        assert_eq!(
            Entry::of(" 4006381333931 "),
            Entry::Barcode("4006381333931".into())
        );
        assert_eq!(
            Entry::of("4006381333932"),
            Entry::Misread("4006381333932".into())
        );
        assert_eq!(
            Entry::of("400638133393"),
            Entry::Text("400638133393".into())
        );
        assert_eq!(Entry::of("coca 33cl"), Entry::Text("coca 33cl".into()));
        assert_eq!(Entry::of("   "), Entry::Empty);
    }

    #[test]
    fn digits_are_a_scan_on_its_way_not_a_search() {
        assert!(searched_as_typed("co"));
        assert!(searched_as_typed("7up"));
        assert!(!searched_as_typed("c"));
        assert!(!searched_as_typed("400638"));
    }
}
