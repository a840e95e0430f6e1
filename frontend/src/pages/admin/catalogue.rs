//! « Catalogue »: the products, searched by name, SKU or barcode, a page at a time, with
//! their price, cost, VAT rate and state. An administrator creates or edits a product
//! (`product_form`) and imports a price list (`price_import`); the director reads.

use crm_api_types::{Product, ProductPage};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::price_import::PriceImport;
use super::product_form::ProductForm;
use super::{can_write, Flash, LoadError};
use crate::api::{self, encode};
use crate::auth::use_auth;
use crate::components::{Msg, Pager};
use crate::format::{money, rate};
use crate::i18n::{lookup, use_i18n, I18n};

const PER_PAGE: u64 = 20;

/// What the form above the list is doing.
#[derive(Clone, Debug, PartialEq)]
enum Editing {
    Nothing,
    New,
    Product(Box<Product>),
}

/// The page.
#[component]
pub fn CataloguePage() -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let writer = Memo::new(move |_| can_write(auth.role()));
    let text = RwSignal::new(String::new());
    let page = RwSignal::new(1u64);
    let reload = RwSignal::new(0u32);
    let data = RwSignal::new(None::<ProductPage>);
    let loading = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let flash = RwSignal::new(None::<Msg>);
    let editing = RwSignal::new(Editing::Nothing);
    let seq = StoredValue::new(0u64);

    Effect::new(move |_| {
        reload.track();
        let t = text.get();
        let mut q = format!("page={}&per_page={PER_PAGE}", page.get());
        if !t.trim().is_empty() {
            q.push_str(&format!("&q={}", encode(t.trim())));
        }
        let n = seq.get_value() + 1;
        seq.set_value(n);
        loading.set(true);
        spawn_local(async move {
            let result = api::products(auth, &q).await;
            if seq.try_get_value() != Some(n) {
                return;
            }
            loading.set(false);
            match result {
                Ok(p) => {
                    error.set(None);
                    data.set(Some(p));
                }
                Err(e) => error.set(Some(Msg::Api(e))),
            }
        });
    });
    let refresh = move || reload.update(|n| *n = n.wrapping_add(1));
    let retry = Callback::new(move |()| refresh());
    let on_saved = Callback::new(move |p: Product| {
        editing.set(Editing::Nothing);
        flash.set(Some(Msg::KeyWith("catalogue.saved", p.name)));
        refresh();
    });
    let on_cancel = Callback::new(move |()| editing.set(Editing::Nothing));
    let on_applied = Callback::new(move |n: u64| {
        flash.set(Some(Msg::KeyWith("import.applied", n.to_string())));
        refresh();
    });
    let on_edit = Callback::new(move |p: Product| {
        flash.set(None);
        editing.set(Editing::Product(Box::new(p)));
    });

    let rows = move || {
        let items = data.with(|d| d.as_ref().map(|p| p.items.clone()).unwrap_or_default());
        if items.is_empty() {
            return view! {
                <tr class="empty-row">
                    <td colspan="7" class="empty empty-state" id="catalogue-empty">{i18n.tr("catalogue.empty")}</td>
                </tr>
            }
            .into_any();
        }
        let write = writer.get();
        items
            .into_iter()
            .map(|p| product_row(i18n, p, write, on_edit))
            .collect_view()
            .into_any()
    };
    let form = move || match editing.get() {
        Editing::Nothing => ().into_any(),
        Editing::New => {
            view! { <ProductForm product=None on_saved=on_saved on_cancel=on_cancel /> }.into_any()
        }
        Editing::Product(p) => {
            view! { <ProductForm product=Some(*p) on_saved=on_saved on_cancel=on_cancel /> }
                .into_any()
        }
    };

    view! {
        <div class="page catalogue-page" data-page="catalogue">
            <header class="page-header coupons-header">
                <div>
                    <h1>{i18n.tr("catalogue.title")}</h1>
                    <p class="muted">{i18n.tr("catalogue.subtitle")}</p>
                </div>
                <Show when=move || writer.get()>
                    <div class="actions">
                        <button id="product-new" class="button button-primary" type="button" on:click=move |_| editing.set(Editing::New)>
                            "+ " {i18n.tr("catalogue.new")}
                        </button>
                    </div>
                </Show>
            </header>
            <Flash id="catalogue-flash" flash=flash />
            {form}
            <section class="card sales-filters coupon-filters" aria-label=i18n.tr("catalogue.search")>
                <label class="field filter-text">
                    <span class="field-label">{i18n.tr("catalogue.search")}</span>
                    <input
                        id="catalogue-q"
                        type="search"
                        autocomplete="off"
                        placeholder=i18n.tr("catalogue.search_placeholder")
                        prop:value=move || text.get()
                        on:input=move |ev| {
                            page.set(1);
                            text.set(event_target_value(&ev));
                        }
                    />
                </label>
                <Show when=move || loading.get()>
                    <span class="muted loading" id="catalogue-loading">{i18n.tr("shell.loading")}</span>
                </Show>
            </section>
            <LoadError id="catalogue-error" error=error retry=retry />
            <section class="card">
                <div class="table-scroll">
                    <table id="catalogue-list" class="table catalogue-table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("catalogue.name")}</th>
                                <th>{i18n.tr("catalogue.barcode")}</th>
                                <th>{i18n.tr("catalogue.category")}</th>
                                <th class="amount">{i18n.tr("catalogue.price")}</th>
                                <th class="amount">{i18n.tr("catalogue.cost")}</th>
                                <th class="amount">{i18n.tr("catalogue.vat")}</th>
                                <th class="row-actions"><span class="visually-hidden">{i18n.tr("users.actions")}</span></th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                </div>
                <Pager
                    id="catalogue"
                    label="catalogue.title"
                    page=page
                    totals=Signal::derive(move || data.with(|d| d.as_ref().map(|p| (p.total, p.per_page))))
                    busy=loading
                    count_suffix="catalogue.count_suffix"
                />
            </section>
            <Show when=move || writer.get()>
                <PriceImport on_applied=on_applied />
            </Show>
        </div>
    }
}

/// One product; « Modifier » opens it in the form.
fn product_row(i18n: I18n, p: Product, writer: bool, on_edit: Callback<Product>) -> impl IntoView {
    let category = p.category.as_str();
    let edited = p.clone();
    view! {
        <tr class="product-row" class:row-inactive=!p.active data-product-id=p.id data-barcode=p.barcode.clone().unwrap_or_default()>
            <td>
                {p.name.clone()}
                <div class="muted cell-note mono">{p.sku.clone()}</div>
                {(!p.active).then(|| view! { <span class="badge status coupon-status-inactive">{i18n.tr("catalogue.inactive")}</span> })}
            </td>
            <td class="mono">{p.barcode.clone().unwrap_or_else(|| "—".into())}</td>
            <td>{move || lookup(i18n.lang(), &format!("category.{category}")).unwrap_or(category).to_string()}</td>
            <td class="amount product-price">{money(p.price)}</td>
            <td class="amount">{money(p.cost)}</td>
            <td class="amount">{rate(p.vat_rate_bp)}</td>
            <td class="row-actions">
                {writer.then(|| view! {
                    <button class="button button-small product-edit" type="button" on:click=move |_| on_edit.run(edited.clone())>
                        {i18n.tr("catalogue.edit")}
                    </button>
                })}
            </td>
        </tr>
    }
}
