//! « Importer une liste de prix »: the administrator picks a CSV file
//! (`code-barres;prix[;coût]`, as French Excel saves it); the server reads it as a dry
//! run and the report shows, line by line, the prices that change, the barcodes the
//! catalogue lacks and the invalid lines. « Appliquer » then sends the same file for real
//! — only when no line is invalid (the server refuses it whole otherwise).

use crm_api_types::PriceListReport;
use leptos::prelude::*;
use leptos::task::spawn_local;
use wasm_bindgen::JsCast;

use crate::api;
use crate::auth::use_auth;
use crate::components::Msg;
use crate::format::money;
use crate::i18n::use_i18n;

/// The file's text, read in the browser.
async fn read_file(input: &web_sys::HtmlInputElement) -> Option<(String, String)> {
    let file = input.files()?.get(0)?;
    let text = wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .ok()?;
    Some((file.name(), text.as_string()?))
}

/// The import card; `on_applied` reloads the list after « Appliquer ».
#[component]
pub fn PriceImport(on_applied: Callback<u64>) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let file = RwSignal::new(None::<(String, String)>);
    let report = RwSignal::new(None::<PriceListReport>);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<Msg>);

    let run = move |apply: bool| {
        let Some((_, text)) = file.get_untracked() else {
            return;
        };
        busy.set(true);
        error.set(None);
        spawn_local(async move {
            let result = api::price_list(auth, text, apply).await;
            busy.try_set(false);
            match result {
                Ok(r) => {
                    if r.applied {
                        on_applied.run(r.changes.len() as u64);
                        report.try_set(None);
                        file.try_set(None);
                    } else {
                        report.try_set(Some(r));
                    }
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    };
    let on_file = move |ev: leptos::ev::Event| {
        let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        else {
            return;
        };
        report.set(None);
        spawn_local(async move {
            match read_file(&input).await {
                Some(read) => {
                    file.try_set(Some(read));
                    run(false);
                }
                None => {
                    error.try_set(Some(Msg::Key("import.unreadable")));
                }
            }
        });
    };
    let can_apply = move || {
        report.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.invalid.is_empty() && !r.changes.is_empty())
        }) && !busy.get()
    };

    let report_view = move || {
        report.get().map(|r| {
            let changes = r
                .changes
                .iter()
                .map(|c| {
                    view! {
                        <tr class="import-change" data-line=c.line>
                            <td class="rank">{c.line}</td>
                            <td>{c.name.clone()} <div class="muted cell-note mono">{c.barcode.clone()}</div></td>
                            <td class="amount">{money(c.old_price)} " → " <strong>{money(c.new_price)}</strong></td>
                            <td class="amount">{money(c.old_cost)} " → " {money(c.new_cost)}</td>
                        </tr>
                    }
                })
                .collect_view();
            let problems = |list: &[crm_api_types::PriceLineProblem], class: &'static str| {
                list.iter()
                    .map(|p| {
                        view! {
                            <li class=class data-line=p.line>
                                <strong>{i18n.t("import.line")} " " {p.line}</strong> " · " <code>{p.barcode.clone()}</code> " — " {p.reason.clone()}
                            </li>
                        }
                    })
                    .collect_view()
            };
            let unknown = problems(&r.unknown, "import-unknown");
            let invalid = problems(&r.invalid, "import-invalid");
            let (n_invalid, n_unknown, n_changes) = (r.invalid.len(), r.unknown.len(), r.changes.len());
            view! {
                <div id="import-report" class="import-report">
                    <dl class="summary-cards">
                        <div class="stat summary-card"><dt>{i18n.tr("import.lines")}</dt><dd id="import-lines">{r.lines}</dd></div>
                        <div class="stat summary-card"><dt>{i18n.tr("import.changes")}</dt><dd id="import-changes">{n_changes}</dd></div>
                        <div class="stat summary-card"><dt>{i18n.tr("import.unknown")}</dt><dd id="import-unknown-count">{n_unknown}</dd></div>
                        <div class="stat summary-card"><dt>{i18n.tr("import.invalid")}</dt><dd id="import-invalid-count">{n_invalid}</dd></div>
                    </dl>
                    {(n_invalid > 0).then(|| view! {
                        <div class="form-error" role="alert">
                            <p>{i18n.tr("import.fix_first")}</p>
                            <ul>{invalid}</ul>
                        </div>
                    })}
                    {(n_unknown > 0).then(|| view! {
                        <div class="notice-soft">
                            <p>{i18n.tr("import.unknown_hint")}</p>
                            <ul>{unknown}</ul>
                        </div>
                    })}
                    {if n_changes == 0 {
                        view! { <p class="empty">{i18n.tr("import.nothing")}</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-scroll">
                                <table class="table" id="import-changes-table">
                                    <thead>
                                        <tr>
                                            <th class="rank">{i18n.tr("import.line")}</th>
                                            <th>{i18n.tr("catalogue.name")}</th>
                                            <th class="amount">{i18n.tr("catalogue.price")}</th>
                                            <th class="amount">{i18n.tr("catalogue.cost")}</th>
                                        </tr>
                                    </thead>
                                    <tbody>{changes}</tbody>
                                </table>
                            </div>
                        }
                        .into_any()
                    }}
                </div>
            }
        })
    };

    view! {
        <section class="card" id="price-import" aria-labelledby="price-import-title">
            <h2 id="price-import-title" class="card-title">{i18n.tr("import.title")}</h2>
            <p class="muted">{i18n.tr("import.help")}</p>
            <label class="field">
                <span class="field-label">{i18n.tr("import.file")}</span>
                <input id="import-file" type="file" accept=".csv,text/csv" on:change=on_file />
            </label>
            <Show when=move || busy.get()>
                <p class="muted loading" id="import-busy">{i18n.tr("shell.loading")}</p>
            </Show>
            <Show when=move || error.with(Option::is_some)>
                <div id="import-error" class="form-error load-error" role="alert">
                    <p>{move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}</p>
                    <button id="import-retry" class="button button-small" type="button" on:click=move |_| run(false)>
                        {i18n.tr("admin.retry")}
                    </button>
                </div>
            </Show>
            {report_view}
            <Show when=move || report.with(Option::is_some)>
                <div class="actions">
                    <button id="import-apply" class="button button-primary" type="button" disabled=move || !can_apply() on:click=move |_| run(true)>
                        {i18n.tr("import.apply")}
                    </button>
                    <button class="button" type="button" on:click=move |_| { report.set(None); file.set(None); }>
                        {i18n.tr("admin.cancel")}
                    </button>
                </div>
            </Show>
        </section>
    }
}
