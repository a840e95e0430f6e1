//! The holder of a SPECIAL coupon, found by name, customer number or phone: a search
//! field (`GET /customers?q=…&per_page=8`, sent 250 ms after the last keystroke), a
//! short list of matches chosen with ↑/↓ and Enter or a click, then the chosen customer
//! as a chip whose × brings the search back.
//!
//! Ids: the field `#coupon-form-customer`, the list `#coupon-form-customer-results`
//! (items `[data-customer-id=…]`), the chip `#coupon-form-customer-chosen` and its
//! `#coupon-form-customer-remove`.

use crm_api_types::Customer;
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api;
use crate::auth::use_auth;
use crate::components::listbox::key_on;
use crate::components::{ListKey, Msg, OptionKey, SuggestionList, Suggestions};
use crate::format::level_key;
use crate::i18n::{use_i18n, I18n};
use crate::pages::pos::full_name;
use crate::timer::sleep;

/// The pause after the last keystroke before searching.
const DEBOUNCE_MS: u64 = 250;
/// Shorter texts search nothing.
const MIN_CHARS: usize = 2;
/// The id of the list of matches (the field's `aria-controls`).
const RESULTS: &str = "coupon-form-customer-results";
/// The matches are told apart by customer id (`data-customer-id`).
const CUSTOMER: OptionKey<Customer> = OptionKey {
    attribute: "data-customer-id",
    of: |c| c.id,
};

/// The customer's name, or their number when the record has none (erased person).
fn display_name(c: &Customer) -> String {
    let name = full_name(c.first_name.as_deref(), c.last_name.as_deref());
    if name.is_empty() {
        c.customer_number.clone()
    } else {
        name
    }
}

/// The level as a small badge.
fn level_badge(i18n: I18n, c: &Customer) -> impl IntoView {
    let class = format!("badge level level-{}", c.level.as_str().to_lowercase());
    view! { <span class=class>{i18n.tr(level_key(c.level))}</span> }
}

/// The search field and its matches, or the chosen customer.
#[component]
pub(super) fn CustomerPicker(
    /// The customer chosen, `None` until one is.
    chosen: RwSignal<Option<Customer>>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let query = RwSignal::new(String::new());
    let results = RwSignal::new(Suggestions::<Customer>::default());
    let searching = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    // Bumped on every keystroke: only the latest search may show its answer.
    let seq = StoredValue::new(0u64);
    let input_ref = NodeRef::<html::Input>::new();
    let remove_ref = NodeRef::<html::Button>::new();

    // Forgets the search under way, if any.
    let cancel = move || seq.set_value(seq.get_value() + 1);

    // Searches `text` after `delay` ms, unless another keystroke comes first.
    let search = move |text: String, delay: u64| {
        cancel();
        let n = seq.get_value();
        if text.chars().count() < MIN_CHARS {
            searching.set(false);
            results.set(Suggestions::default());
            return;
        }
        searching.set(true);
        spawn_local(async move {
            if delay > 0 {
                sleep(delay).await;
                if seq.try_get_value() != Some(n) {
                    return; // typed again, or the form is gone
                }
            }
            let result = api::search_customers(auth, &text).await;
            if seq.try_get_value() != Some(n) {
                return;
            }
            searching.set(false);
            match result {
                Ok(page) => {
                    error.set(None);
                    results.set(Suggestions::found(page.items));
                }
                Err(e) => {
                    results.set(Suggestions::default());
                    error.set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let pick = move |customer: Customer| {
        cancel();
        searching.set(false);
        results.set(Suggestions::default());
        error.set(None);
        query.set(String::new());
        chosen.set(Some(customer));
        request_animation_frame(move || {
            if let Some(button) = remove_ref.get_untracked() {
                let _ = button.focus();
            }
        });
    };

    let remove = move || {
        chosen.set(None);
        request_animation_frame(move || {
            if let Some(input) = input_ref.get_untracked() {
                let _ = input.focus();
            }
        });
    };

    // Escape closing the list stops at the field: the page's window listener would close
    // the whole panel (events are not delegated in this build, so this runs first).
    let on_key = move |ev: KeyboardEvent| {
        let key = ev.key();
        match key_on(results, &key) {
            ListKey::Moved => ev.prevent_default(),
            ListKey::Picked(customer) => {
                ev.prevent_default();
                pick(customer);
            }
            ListKey::Closed => {
                ev.prevent_default();
                ev.stop_propagation();
                cancel();
            }
            // No match to move to or pick: ↓ and Enter search at once; Enter only submits
            // the form from an empty field.
            ListKey::Ignored => {
                let text = query.get_untracked().trim().to_string();
                if (key == "ArrowDown" || key == "Enter") && !text.is_empty() {
                    ev.prevent_default();
                    search(text, 0);
                }
            }
        }
    };

    let show = move |customer: &Customer| {
        view! {
            <span class="customer-result-who">
                <span class="result-name">{display_name(customer)}</span>
                <span class="muted result-sku">{customer.phone.clone()}</span>
            </span>
            <span class="muted mono result-sku">{customer.customer_number.clone()}</span>
            {level_badge(i18n, customer)}
        }
    };

    let search_view = move || {
        let open = move || results.with(Suggestions::is_open);
        view! {
            <div class="scan-box">
                <input
                    id="coupon-form-customer"
                    type="search"
                    autocomplete="off"
                    spellcheck="false"
                    role="combobox"
                    aria-autocomplete="list"
                    aria-controls=RESULTS
                    aria-expanded=move || if open() { "true" } else { "false" }
                    aria-activedescendant=move || results.with(|r| CUSTOMER.active_descendant(RESULTS, r))
                    placeholder=i18n.tr("coupons.customer_placeholder")
                    node_ref=input_ref
                    prop:value=move || query.get()
                    on:input=move |ev| {
                        let text = event_target_value(&ev);
                        query.set(text.clone());
                        search(text.trim().to_string(), DEBOUNCE_MS);
                    }
                    on:keydown=on_key
                    on:blur=move |_| {
                        cancel();
                        searching.set(false);
                        results.set(Suggestions::default());
                    }
                />
                <Show when=move || searching.get()>
                    <span class="scan-spinner muted">{i18n.tr("pos.searching")}</span>
                </Show>
                <Show when=open>
                    <SuggestionList
                        id=RESULTS
                        list=results
                        key=CUSTOMER
                        option_class="product-result customer-result"
                        show=show
                        on_pick=pick
                        label=Signal::derive(move || i18n.t("coupons.customer_results").to_string())
                    />
                </Show>
            </div>
            <Show when=move || results.with(Suggestions::found_nothing)>
                <p id="coupon-form-customer-none" class="hint form-hint">
                    {i18n.tr("coupons.customer_none")}
                </p>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <p class="form-error" role="alert">
                    {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
                </p>
            </Show>
        }
    };

    let chip_view = move |customer: Customer| {
        let id = customer.id;
        let name = display_name(&customer);
        let number = customer.customer_number.clone();
        let badge = level_badge(i18n, &customer);
        view! {
            <div id="coupon-form-customer-chosen" class="customer-chip" data-customer-id=id>
                <span class="chip-body">
                    <strong>{name}</strong>
                    <span class="muted mono">{number}</span>
                    {badge}
                </span>
                <button
                    id="coupon-form-customer-remove"
                    class="icon-button"
                    type="button"
                    title=i18n.tr("coupons.customer_remove")
                    aria-label=i18n.tr("coupons.customer_remove")
                    node_ref=remove_ref
                    on:click=move |_| remove()
                >
                    "×"
                </button>
            </div>
        }
    };

    view! {
        <div class="field customer-picker">
            <label class="field-label" for="coupon-form-customer">
                {i18n.tr("coupons.customer")}
            </label>
            {move || match chosen.get() {
                Some(customer) => chip_view(customer).into_any(),
                None => search_view().into_any(),
            }}
        </div>
    }
}
