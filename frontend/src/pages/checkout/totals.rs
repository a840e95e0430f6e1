//! The basket's totals as the receipt will show them: sub-total, loyalty and coupon
//! discounts, total, VAT included and the points the customer earns.

use leptos::prelude::*;

use super::Till;
use crate::format::{money, trim_decimal};
use crate::i18n::use_i18n;

/// `#basket-totals`, priced by [`super::sale::price`].
#[component]
pub(super) fn Totals(till: Till) -> impl IntoView {
    let i18n = use_i18n();
    let discount_label = move || {
        format!(
            "{} ({}\u{a0}%)",
            i18n.t("pos.discount"),
            trim_decimal(&till.loyalty_percent.get())
        )
    };
    move || {
        let t = till.totals.get();
        let subtotal = t.as_ref().map_or(0, |t| t.subtotal.francs());
        let discount = t.as_ref().map_or(0, |t| t.loyalty_discount.francs());
        let total = t.as_ref().map_or(0, |t| t.total.francs());
        let vat: i64 = t
            .as_ref()
            .map_or(0, |t| t.vat.iter().map(|v| v.vat.francs()).sum());
        let points = t.as_ref().map_or(0, |t| t.points);
        let coupon_amount = t.as_ref().map_or(0, |t| t.coupon_discount.francs());
        let coupon_row = till.coupon_discount.get().map(|_| {
            let code = till.applied_code.get_untracked().unwrap_or_default();
            view! {
                <div class="discount-row coupon-total-row">
                    <dt>{i18n.tr("pos.coupon_line")} " " <code class="mono">{code}</code></dt>
                    <dd id="basket-coupon-discount">"−" {money(coupon_amount)}</dd>
                </div>
            }
        });
        // No "−0 FCFA": the row shows once there is a discount (a `hidden` row would
        // still be laid out by the flex rule of the totals).
        let loyalty_row = (discount > 0).then(|| {
            view! {
                <div class="discount-row">
                    <dt>{discount_label}</dt>
                    <dd id="basket-discount">"−" {money(discount)}</dd>
                </div>
            }
        });
        view! {
            <dl class="basket-totals" id="basket-totals">
                <div>
                    <dt>{i18n.tr("pos.subtotal")}</dt>
                    <dd id="basket-subtotal">{money(subtotal)}</dd>
                </div>
                {loyalty_row}
                {coupon_row}
                <div class="grand-total">
                    <dt>{i18n.tr("pos.total")}</dt>
                    <dd id="basket-total">{money(total)}</dd>
                </div>
                <div class="vat-row">
                    <dt>{i18n.tr("pos.vat_included")}</dt>
                    <dd id="basket-vat">{money(vat)}</dd>
                </div>
                <Show when=move || till.customer_id.with(Option::is_some)>
                    <div class="vat-row">
                        <dt>{i18n.tr("pos.points_to_earn")}</dt>
                        <dd id="basket-points">{crm_domain::money::group_thousands(points)}</dd>
                    </div>
                </Show>
            </dl>
        }
    }
}
