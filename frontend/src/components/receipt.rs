//! The ticket de caisse, on screen and on an 80 mm thermal printer (see `@media print`).

use crm_api_types::Receipt;
use crm_domain::money::group_thousands;
use leptos::prelude::*;

use crm_domain::sale::SaleStatus;

use crate::format::{date_time, level_key, method_label, money, rate, status_label, trim_decimal};
use crate::i18n::use_i18n;

/// A receipt. Carries the `print-receipt` class: when it is on the page, printing shows
/// only it.
#[component]
pub fn ReceiptView(receipt: Receipt) -> impl IntoView {
    let i18n = use_i18n();
    let Receipt {
        ticket_number,
        status,
        store_code,
        store_name,
        till_code,
        cashier_name,
        customer,
        created_at,
        lines,
        subtotal,
        loyalty_percent,
        loyalty_discount,
        coupon_discount,
        coupon_code,
        total,
        vat,
        payments,
        paid,
        change,
        points_earned,
        refund,
        ..
    } = receipt;
    let completed = status == SaleStatus::Completed;
    let percent = trim_decimal(&loyalty_percent);
    // No customer, no points: an anonymous ticket does not mention them.
    let has_customer = customer.is_some();
    let customer_view = customer.map(|c| {
        let level = level_key(c.level);
        view! {
            <section id="receipt-customer" class="receipt-block">
                <div class="receipt-row">
                    <span>{i18n.tr("pos.customer_number")}</span>
                    <span id="receipt-customer-number" class="mono">{c.customer_number}</span>
                </div>
                <div class="receipt-row">
                    <span>{i18n.tr("receipt.customer")}</span>
                    <span id="receipt-customer-name">{c.name}</span>
                </div>
                <div class="receipt-row">
                    <span>{i18n.tr("pos.level")}</span>
                    <span id="receipt-customer-level">{i18n.tr(level)}</span>
                </div>
                <div class="receipt-row">
                    <span>{i18n.tr("receipt.points_balance")}</span>
                    <span id="receipt-points-balance">
                        {group_thousands(c.points_balance)}
                    </span>
                </div>
            </section>
        }
    });
    let line_views = lines
        .into_iter()
        .map(|l| {
            let detail = format!("{} × {}", group_thousands(l.quantity), money(l.unit_price));
            view! {
                <li class="receipt-line" data-product-id=l.product_id>
                    <span class="receipt-line-name">{l.name}</span>
                    <span class="receipt-row">
                        <span class="muted">{detail}</span>
                        <span class="amount">{money(l.line_total)}</span>
                    </span>
                </li>
            }
        })
        .collect_view();
    let vat_rows = vat
        .into_iter()
        .map(|v| {
            view! {
                <tr>
                    <td>{rate(v.rate_bp)}</td>
                    <td class="amount">{group_thousands(v.net)}</td>
                    <td class="amount">{group_thousands(v.vat)}</td>
                    <td class="amount">{group_thousands(v.base)}</td>
                </tr>
            }
        })
        .collect_view();
    let payment_rows = payments
        .into_iter()
        .map(|p| {
            let method = p.method;
            let reference = p.reference.filter(|r| !r.trim().is_empty());
            view! {
                <div class="receipt-row receipt-payment" data-method=method.as_str()>
                    <span>
                        {move || method_label(i18n.lang(), method)}
                        {reference.map(|r| view! { <span class="muted">" (" {r} ")"</span> })}
                    </span>
                    <span class="amount">{money(p.amount)}</span>
                </div>
            }
        })
        .collect_view();
    // How a refunded sale's money went back, and when.
    let refund_view = refund.map(|r| {
        let rows = r
            .payments
            .into_iter()
            .map(|p| {
                let method = p.method;
                view! {
                    <div class="receipt-row receipt-refund-payment" data-method=method.as_str()>
                        <span>{move || method_label(i18n.lang(), method)}</span>
                        <span class="amount">"−" {money(p.amount)}</span>
                    </div>
                }
            })
            .collect_view();
        view! {
            <section id="receipt-refund" class="receipt-block receipt-refund">
                <div class="receipt-row">
                    <span>{i18n.tr("receipt.refunded")} " " {date_time(r.at)}</span>
                    <span id="receipt-refund-total" class="amount">"−" {money(r.total)}</span>
                </div>
                {rows}
                <span class="muted">{r.reason}</span>
            </section>
        }
    });
    view! {
        <article id="receipt" class="receipt print-receipt" data-status=status.as_str()>
            <header class="receipt-head">
                <strong class="receipt-store">{store_name}</strong>
                <span class="muted">{store_code} " · " {i18n.tr("receipt.till")} " " {till_code}</span>
                <span class="receipt-kind">{i18n.tr("receipt.title")}</span>
                <span id="receipt-ticket-number" class="mono receipt-ticket">{ticket_number}</span>
                <span id="receipt-date">{date_time(created_at)}</span>
                <span>{i18n.tr("receipt.cashier")} " " <span id="receipt-cashier">{cashier_name}</span></span>
                {(!completed)
                    .then(move || {
                        view! {
                            <span id="receipt-status" class="badge badge-status">
                                {move || status_label(i18n.lang(), status)}
                            </span>
                        }
                    })}
            </header>
            {customer_view}
            <ul class="receipt-lines receipt-block">{line_views}</ul>
            <section class="receipt-block receipt-totals">
                <div class="receipt-row">
                    <span>{i18n.tr("pos.subtotal")}</span>
                    <span id="receipt-subtotal" class="amount">{money(subtotal)}</span>
                </div>
                {(loyalty_discount > 0)
                    .then(move || {
                        view! {
                            <div class="receipt-row">
                                <span>{i18n.tr("pos.discount")} " (" {percent.clone()} "\u{a0}%)"</span>
                                <span id="receipt-loyalty-discount" class="amount">
                                    "−" {money(loyalty_discount)}
                                </span>
                            </div>
                        }
                    })}
                {(coupon_discount > 0)
                    .then(move || {
                        view! {
                            <div class="receipt-row receipt-coupon" id="receipt-coupon">
                                <span>
                                    {i18n.tr("receipt.coupon")}
                                    {coupon_code
                                        .map(|code| {
                                            view! {
                                                " " <span id="receipt-coupon-code">{code}</span>
                                            }
                                        })}
                                </span>
                                <span id="receipt-coupon-discount" class="amount">
                                    "−" {money(coupon_discount)}
                                </span>
                            </div>
                        }
                    })}
                <div class="receipt-row receipt-grand">
                    <span>{i18n.tr("pos.total")}</span>
                    <span id="receipt-total" class="amount">{money(total)}</span>
                </div>
            </section>
            <table class="receipt-vat receipt-block">
                <thead>
                    <tr>
                        <th>{i18n.tr("receipt.vat")} " (FCFA)"</th>
                        <th class="amount">{i18n.tr("receipt.net")}</th>
                        <th class="amount">{i18n.tr("receipt.vat_amount")}</th>
                        <th class="amount">{i18n.tr("receipt.gross")}</th>
                    </tr>
                </thead>
                <tbody>{vat_rows}</tbody>
            </table>
            <section class="receipt-block receipt-payments">
                {payment_rows}
                <div class="receipt-row">
                    <span>{i18n.tr("receipt.paid")}</span>
                    <span id="receipt-paid" class="amount">{money(paid)}</span>
                </div>
                <div class="receipt-row receipt-change">
                    <span>{i18n.tr("pos.change")}</span>
                    <span id="receipt-change" class="amount">{money(change)}</span>
                </div>
            </section>
            {has_customer
                .then(|| {
                    view! {
                        <div class="receipt-row receipt-block">
                            <span>{i18n.tr("receipt.points_earned")}</span>
                            <span id="receipt-points">{group_thousands(points_earned)}</span>
                        </div>
                    }
                })}
            {refund_view}
            <footer class="receipt-foot">{i18n.tr("receipt.thanks")}</footer>
        </article>
    }
}

/// Opens the browser's print dialog (the print stylesheet keeps only the receipt).
pub fn print() {
    if let Some(window) = web_sys::window() {
        let _ = window.print();
    }
}
