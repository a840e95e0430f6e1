//! The basket's lines: quantity buttons, line totals, the selected line.

use leptos::prelude::*;

use super::sale::Basket;
use super::{scroll_to, Till};
use crate::format::money;
use crate::i18n::use_i18n;

/// Keeps the selected line visible as the basket changes (every change selects a line).
pub(super) fn keep_selection_in_view(basket: RwSignal<Basket>) {
    Effect::new(move |_| {
        if basket.with(|b| b.selected.is_some()) {
            scroll_to(".basket-line.selected");
        }
    });
}

/// The lines, or the empty basket's picture.
#[component]
pub(super) fn BasketLines(till: Till) -> impl IntoView {
    let i18n = use_i18n();
    let state = till.state;
    let basket = state.basket;

    let line_rows = move || {
        let Basket { lines, selected } = basket.get();
        lines
            .into_iter()
            .map(|line| {
                let id = line.product.id;
                let is_selected = selected == Some(id);
                let line_total = line.product.price * i64::from(line.quantity);
                view! {
                    <li
                        class="basket-line"
                        class:selected=is_selected
                        aria-selected=if is_selected { "true" } else { "false" }
                        role="option"
                        data-product-id=id
                        on:click=move |_| basket.update(|b| b.selected = Some(id))
                    >
                        <div class="line-main">
                            <span class="line-name">{line.product.name.clone()}</span>
                            <span class="line-unit muted">
                                {money(line.product.price)}
                                <span class="line-sku">" · " {line.product.sku.clone()}</span>
                            </span>
                        </div>
                        <div class="line-qty">
                            <button
                                class="icon-button qty-minus"
                                type="button"
                                tabindex="-1"
                                title=i18n.tr("pos.qty_minus")
                                on:click=move |ev| {
                                    ev.stop_propagation();
                                    state.change_quantity(id, -1);
                                    till.focus.barcode();
                                }
                            >
                                "−"
                            </button>
                            <span class="line-quantity">{line.quantity}</span>
                            <button
                                class="icon-button qty-plus"
                                type="button"
                                tabindex="-1"
                                title=i18n.tr("pos.qty_plus")
                                on:click=move |ev| {
                                    ev.stop_propagation();
                                    state.change_quantity(id, 1);
                                    till.focus.barcode();
                                }
                            >
                                "+"
                            </button>
                        </div>
                        <span class="line-total">{money(line_total)}</span>
                        <button
                            class="icon-button line-remove"
                            type="button"
                            tabindex="-1"
                            title=i18n.tr("pos.remove_line")
                            on:click=move |ev| {
                                ev.stop_propagation();
                                state.remove(id);
                                till.focus.barcode();
                            }
                        >
                            "×"
                        </button>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <Show
            when=move || basket.with(|b| !b.is_empty())
            fallback=move || {
                view! {
                    <div class="basket-empty">
                        <svg class="basket-icon" viewBox="0 0 24 24" aria-hidden="true">
                            <path d="M3 4h2.2l2.3 10.2a1.5 1.5 0 0 0 1.5 1.2h8.4a1.5 1.5 0 0 0 1.5-1.1L21 8H6.3" />
                            <circle cx="9.5" cy="19.5" r="1.5" />
                            <circle cx="17" cy="19.5" r="1.5" />
                        </svg>
                        <p class="muted">{i18n.tr("pos.basket_empty_text")}</p>
                    </div>
                }
            }
        >
            <ul class="basket-lines" role="listbox" aria-label=i18n.tr("pos.basket")>
                {line_rows}
            </ul>
        </Show>
    }
}
