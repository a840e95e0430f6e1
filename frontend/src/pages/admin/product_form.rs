//! The product form of « Catalogue »: a new product (SKU, barcode, name, category,
//! price, cost, VAT) or a product's changes, including « Actif » (a deactivated product
//! leaves the till and stays in the back office). The barcode is checked as the server
//! checks it (`crm_domain::barcode::is_ean13`) before anything is sent; the server's
//! refusals appear under the form.

use crm_api_types::{CreateProductRequest, Product, UpdateProductRequest};
use crm_domain::sale::Category;
use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::rules::{francs, vat_bp, vat_text};
use crate::api::{self, ApiError};
use crate::auth::use_auth;
use crate::components::{FormError, Msg};
use crate::i18n::{lookup, use_i18n};

/// The form; `product` = `None` creates one.
#[component]
pub fn ProductForm(
    product: Option<Product>,
    on_saved: Callback<Product>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let editing = product.as_ref().map(|p| p.id);
    let get = |f: fn(&Product) -> String| product.as_ref().map(f).unwrap_or_default();
    let sku = RwSignal::new(get(|p| p.sku.clone()));
    let barcode = RwSignal::new(get(|p| p.barcode.clone().unwrap_or_default()));
    let name = RwSignal::new(get(|p| p.name.clone()));
    let category = RwSignal::new(
        product
            .as_ref()
            .map_or(Category::Alimentaire, |p| p.category)
            .as_str()
            .to_owned(),
    );
    let price = RwSignal::new(get(|p| p.price.to_string()));
    let cost = RwSignal::new(product.as_ref().map_or("0".into(), |p| p.cost.to_string()));
    let vat = RwSignal::new(
        product
            .as_ref()
            .map_or("18".into(), |p| vat_text(p.vat_rate_bp)),
    );
    let active = RwSignal::new(product.as_ref().is_none_or(|p| p.active));
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);
    let field_errors = RwSignal::new(Vec::<String>::new());

    let submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let code = barcode.get_untracked().trim().to_owned();
        let mut problems = Vec::new();
        if !code.is_empty() && !crm_domain::barcode::is_ean13(&code) {
            problems.push(i18n.t("catalogue.bad_barcode").to_owned());
        }
        let price_value = francs(&price.get_untracked()).filter(|p| *p > 0);
        if price_value.is_none() {
            problems.push(i18n.t("catalogue.bad_price").to_owned());
        }
        let cost_value = francs(&cost.get_untracked());
        if cost_value.is_none() {
            problems.push(i18n.t("catalogue.bad_cost").to_owned());
        }
        let vat_value = vat_bp(&vat.get_untracked());
        if vat_value.is_none() {
            problems.push(i18n.t("catalogue.bad_vat").to_owned());
        }
        let (Some(price_value), Some(cost_value), Some(vat_value)) =
            (price_value, cost_value, vat_value)
        else {
            field_errors.set(problems);
            error.set(Some(Msg::Key("catalogue.form_invalid")));
            return;
        };
        if !problems.is_empty() {
            field_errors.set(problems);
            error.set(Some(Msg::Key("catalogue.form_invalid")));
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = match editing {
                Some(id) => {
                    let request = UpdateProductRequest {
                        name: Some(name.get_untracked()),
                        category: Some(category.get_untracked()),
                        price: Some(price_value),
                        cost: Some(cost_value),
                        vat_rate_bp: Some(vat_value),
                        barcode: Some(code).filter(|c| !c.is_empty()),
                        active: Some(active.get_untracked()),
                    };
                    api::update_product(auth, id, &request).await
                }
                None => {
                    let request = CreateProductRequest {
                        sku: sku.get_untracked().trim().to_owned(),
                        barcode: Some(code).filter(|c| !c.is_empty()),
                        name: name.get_untracked(),
                        category: category.get_untracked(),
                        price: price_value,
                        cost: cost_value,
                        vat_rate_bp: Some(vat_value),
                    };
                    api::create_product(auth, &request).await
                }
            };
            busy.try_set(false);
            match result {
                Ok(p) => on_saved.run(p),
                Err(e) => {
                    let fields = match &e {
                        ApiError::Problem(p) => {
                            p.errors.iter().map(|f| f.message.clone()).collect()
                        }
                        _ => Vec::new(),
                    };
                    field_errors.try_set(fields);
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };

    let categories = move || {
        let lang = i18n.lang();
        Category::ALL
            .into_iter()
            .map(|c| {
                let code = c.as_str();
                let label = lookup(lang, &format!("category.{code}")).unwrap_or(code);
                view! { <option value=code selected=move || category.get() == code>{label}</option> }
            })
            .collect_view()
    };
    let is_new = editing.is_none();

    view! {
        <section class="card admin-form" id="product-form" aria-labelledby="product-form-title">
            <h2 id="product-form-title" class="card-title">
                {if is_new { i18n.t("catalogue.create_title") } else { i18n.t("catalogue.edit_title") }}
            </h2>
            <form on:submit=submit novalidate=true>
                <div class="form-grid">
                    <label class="field">
                        <span class="field-label">{i18n.tr("catalogue.sku")}</span>
                        <input id="product-sku" type="text" autocomplete="off" disabled=!is_new bind:value=sku />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("catalogue.barcode")}</span>
                        <input id="product-barcode" type="text" inputmode="numeric" autocomplete="off" bind:value=barcode />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("catalogue.name")}</span>
                        <input id="product-name" type="text" autocomplete="off" bind:value=name />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("catalogue.category")}</span>
                        <select id="product-category" prop:value=move || category.get() on:change=move |ev| category.set(event_target_value(&ev))>
                            {categories}
                        </select>
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("catalogue.price")}</span>
                        <input id="product-price" type="text" inputmode="numeric" autocomplete="off" bind:value=price />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("catalogue.cost")}</span>
                        <input id="product-cost" type="text" inputmode="numeric" autocomplete="off" bind:value=cost />
                    </label>
                    <label class="field">
                        <span class="field-label">{i18n.tr("catalogue.vat")}</span>
                        <input id="product-vat" type="text" inputmode="decimal" autocomplete="off" bind:value=vat />
                    </label>
                    {(!is_new).then(|| view! {
                        <label class="field checkbox-field">
                            <input id="product-active" type="checkbox" bind:checked=active />
                            <span>{i18n.tr("catalogue.active")}</span>
                        </label>
                    })}
                </div>
                <p class="hint">{i18n.tr("catalogue.price_hint")}</p>
                <FormError id="product-form-error" error=error field_errors=field_errors />
                <div class="actions">
                    <button id="product-save" class="button button-primary" type="submit" disabled=move || busy.get()>
                        {i18n.tr("admin.save")}
                    </button>
                    <button class="button" type="button" on:click=move |_| on_cancel.run(())>{i18n.tr("admin.cancel")}</button>
                </div>
            </form>
        </section>
    }
}
