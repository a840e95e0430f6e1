//! A coupon's detail panel: its rules, its holder or issue, its uses (redemptions, paged
//! by 20, given-back ones greyed) and, for writers, the two-step "Désactiver".

use crm_api_types::{Coupon, CouponRedemption, RedemptionPage};
use crm_domain::coupon::CouponStatus;
use crm_domain::money::group_thousands;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::{day, label, uses_label, value_label};
use crate::api;
use crate::auth::use_auth;
use crate::components::{Msg, Pager};
use crate::format::{date_time, money};
use crate::i18n::{use_i18n, I18n};

/// A coupon, its rules and its uses.
#[component]
pub(super) fn CouponDetail(
    id: i64,
    writer: bool,
    on_deactivate: Callback<i64>,
    /// Bumped by the page after a change: the detail reloads too.
    reload: RwSignal<u32>,
) -> impl IntoView {
    let auth = use_auth();
    let i18n = use_i18n();
    let coupon = RwSignal::new(None::<Coupon>);
    let uses = RwSignal::new(None::<RedemptionPage>);
    let uses_page = RwSignal::new(1u64);
    let error = RwSignal::new(None::<Msg>);
    let confirm = RwSignal::new(false);
    // The holder of a personal coupon, by name and customer number.
    let holder_name = RwSignal::new(None::<String>);

    Effect::new(move |_| {
        reload.track();
        spawn_local(async move {
            match api::coupon(auth, id).await {
                Ok(c) => {
                    if let Some(customer_id) = c.customer_id {
                        if let Ok(p) = api::customer(auth, customer_id).await {
                            let name = crate::pages::pos::full_name(
                                p.customer.first_name.as_deref(),
                                p.customer.last_name.as_deref(),
                            );
                            holder_name
                                .try_set(Some(format!("{name} · {}", p.customer.customer_number)));
                        }
                    }
                    coupon.try_set(Some(c));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });
    Effect::new(move |_| {
        reload.track();
        let p = uses_page.get();
        spawn_local(async move {
            match api::coupon_redemptions(auth, id, p).await {
                Ok(r) => {
                    uses.try_set(Some(r));
                }
                Err(e) => {
                    error.try_set(Some(Msg::Api(e)));
                }
            }
        });
    });

    let facts = move || {
        coupon.get().map(|c| {
            let lang = i18n.lang();
            let kind = label(lang, "coupon.kind", c.kind.as_str());
            let status_class = format!(
                "badge status coupon-status-{}",
                c.status.as_str().to_lowercase()
            );
            let status = label(lang, "coupon.status", c.status.as_str());
            let discount = format!(
                "{} · {}",
                value_label(c.discount_kind.as_str(), c.value),
                label(lang, "coupon.discount", c.discount_kind.as_str())
            );
            let cap = c
                .global_cap
                .map(|cap| group_thousands(i64::from(cap)))
                .unwrap_or_else(|| i18n.t("coupons.unlimited").to_string());
            let level = c
                .required_level
                .map(|l| label(lang, "level", l.as_str()))
                .unwrap_or_else(|| "—".to_string());
            let categories = if c.eligible_categories.is_empty() {
                i18n.t("coupons.all_categories").to_string()
            } else {
                c.eligible_categories
                    .iter()
                    .map(|cat| label(lang, "category", cat.as_str()))
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            let stacks = if c.stacks_with_loyalty {
                i18n.t("coupons.yes")
            } else {
                i18n.t("coupons.no")
            };
            let uses = uses_label(c.uses_count, c.global_cap);
            let holder = c.customer_id.map(|id| {
                view! {
                    <div class="fact">
                        <dt>{i18n.tr("coupons.customer")}</dt>
                        <dd id="coupon-detail-holder">
                            {move || holder_name.get().unwrap_or_else(|| format!("#{id}"))}
                        </dd>
                    </div>
                }
            });
            let issue = c.issue_job_id.map(|id| {
                view! {
                    <div class="fact">
                        <dt>{i18n.tr("coupons.issue")}</dt>
                        <dd>{i18n.tr("coupons.no_sign")} " " {id}</dd>
                    </div>
                }
            });
            let active = c.status == CouponStatus::Active;
            let coupon_id = c.id;
            let actions = (writer && active).then(|| {
                view! {
                    <div class="actions">
                        <Show
                            when=move || confirm.get()
                            fallback=move || {
                                view! {
                                    <button
                                        id="coupon-deactivate"
                                        class="button"
                                        type="button"
                                        on:click=move |_| confirm.set(true)
                                    >
                                        {i18n.tr("coupons.deactivate")}
                                    </button>
                                }
                            }
                        >
                            <p class="muted confirm-text">{i18n.tr("coupons.deactivate_text")}</p>
                            <button
                                id="coupon-deactivate-confirm"
                                class="button button-danger"
                                type="button"
                                on:click=move |_| {
                                    confirm.set(false);
                                    on_deactivate.run(coupon_id);
                                }
                            >
                                {i18n.tr("coupons.confirm_deactivate")}
                            </button>
                            <button class="button button-ghost" type="button" on:click=move |_| confirm.set(false)>
                                {i18n.tr("pos.cancel")}
                            </button>
                        </Show>
                    </div>
                }
            });
            view! {
                <div class="detail-head">
                    <code id="coupon-detail-code" class="coupon-code coupon-code-lg">{c.code.clone()}</code>
                    <span id="coupon-detail-status" class=status_class>{status}</span>
                </div>
                <p class="detail-description">{c.description.clone()}</p>
                <dl class="facts">
                    <div class="fact">
                        <dt>{i18n.tr("coupons.kind")}</dt>
                        <dd>{kind}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.discount")}</dt>
                        <dd id="coupon-detail-value">{discount}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.validity")}</dt>
                        <dd>{day(c.valid_from)} " → " {day(c.valid_to)}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.uses")}</dt>
                        <dd id="coupon-detail-uses">{uses}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.global_cap")}</dt>
                        <dd>{cap}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.customer_cap")}</dt>
                        <dd>{group_thousands(i64::from(c.per_customer_cap))}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.min_basket")}</dt>
                        <dd>{money(c.min_basket)}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.level")}</dt>
                        <dd>{level}</dd>
                    </div>
                    <div class="fact fact-wide">
                        <dt>{i18n.tr("coupons.categories")}</dt>
                        <dd>{categories}</dd>
                    </div>
                    <div class="fact">
                        <dt>{i18n.tr("coupons.stacks")}</dt>
                        <dd>{stacks}</dd>
                    </div>
                    {holder}
                    {issue}
                    <div class="fact">
                        <dt>{i18n.tr("coupons.created_at")}</dt>
                        <dd>{date_time(c.created_at)}</dd>
                    </div>
                </dl>
                {actions}
            }
        })
    };

    let uses_view = move || {
        uses.get().map(|r| {
            let many = r.total > r.per_page;
            let body = if r.items.is_empty() {
                view! { <p id="coupon-redemptions-empty" class="empty">{i18n.tr("coupons.no_uses")}</p> }
                    .into_any()
            } else {
                let rows = r.items.into_iter().map(|u| redemption_row(i18n, u)).collect_view();
                view! {
                    <div class="table-scroll">
                    <table id="coupon-redemptions" class="table redemptions-table">
                        <thead>
                            <tr>
                                <th>{i18n.tr("sales.ticket")}</th>
                                <th>{i18n.tr("coupons.when")}</th>
                                <th>{i18n.tr("sales.customer")}</th>
                                <th class="amount">{i18n.tr("coupons.granted")}</th>
                            </tr>
                        </thead>
                        <tbody>{rows}</tbody>
                    </table>
                    </div>
                }
                .into_any()
            };
            view! {
                {body}
                {many
                    .then(|| {
                        view! {
                            <Pager
                                id="coupon-uses"
                                label="coupons.redemptions"
                                page=uses_page
                                totals=Signal::derive(move || {
                                    uses.with(|u| u.as_ref().map(|u| (u.total, u.per_page)))
                                })
                                busy=Signal::derive(|| false)
                            />
                        }
                    })}
            }
        })
    };

    view! {
        <Show when=move || error.with(Option::is_some)>
            <p class="form-error" role="alert">
                {move || error.get().map(|m| m.render(i18n.lang())).unwrap_or_default()}
            </p>
        </Show>
        <Show
            when=move || coupon.with(Option::is_some)
            fallback=move || view! { <p class="muted">{i18n.tr("sales.loading")}</p> }
        >
            {facts}
        </Show>
        <section class="detail-uses">
            <h3>
                {i18n.tr("coupons.redemptions")}
                {move || uses.with(|u| u.as_ref().map(|u| format!(" ({})", group_thousands(i64::try_from(u.total).unwrap_or(0)))))}
            </h3>
            {uses_view}
        </section>
    }
}

/// One use of the coupon: its ticket, when, by whom, and the discount granted.
fn redemption_row(i18n: I18n, u: CouponRedemption) -> impl IntoView {
    let released = u.released_at.map(|at| {
        view! {
            <span class="badge status status-refunded" title=date_time(at)>
                {i18n.tr("coupons.released")}
            </span>
        }
    });
    view! {
        <tr data-sale-id=u.sale_id class:released=u.released_at.is_some()>
            <td class="mono">{u.ticket_number}</td>
            <td class="nowrap">{date_time(u.at)}</td>
            <td class="mono">{u.customer_number.unwrap_or_else(|| "—".into())}</td>
            <td class="amount">"−" {money(u.amount)} " " {released}</td>
        </tr>
    }
}
