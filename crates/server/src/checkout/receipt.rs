//! The printed receipt of a sale: what a checkout answers, a reprint shows and a refund
//! or a cancellation sends back.

use crate::error::ApiError;
use crm_api_types::{
    Receipt, ReceiptCustomer, ReceiptLine, ReceiptPayment, ReceiptRefund, RefundedPayment,
    VatBreakdown,
};
use crm_domain::codes;
use crm_domain::sale;
use crm_domain::Money;
use crm_store::sales as store;
use crm_store::DatabaseConnection;

/// Builds the printed receipt of a sale; a status, method or level the domain does not
/// know is `StoreError::Corrupt`.
fn of(detail: &store::SaleDetail) -> Result<Receipt, ApiError> {
    let s = &detail.sale;
    let vat = sale::vat_by_rate(detail.lines.iter().map(|(l, _)| {
        (
            l.vat_rate_bp.max(0) as u32,
            Money::fcfa(l.line_total - l.discount),
        )
    }))
    .into_iter()
    .map(|v| VatBreakdown {
        rate_bp: v.rate_bp,
        base: v.base.francs(),
        vat: v.vat.francs(),
        net: v.net.francs(),
    })
    .collect();
    Ok(Receipt {
        id: s.id,
        ticket_number: s.ticket_number.clone(),
        status: store::status_of(s)?,
        store_code: detail.store.code.clone(),
        store_name: detail.store.name.clone(),
        till_code: detail.till.code.clone(),
        cashier_id: detail.cashier.id,
        cashier_name: detail.cashier.display_name.clone(),
        customer: detail
            .customer
            .as_ref()
            .map(|c| {
                Ok::<_, ApiError>(ReceiptCustomer {
                    id: c.id,
                    customer_number: c.customer_number.clone().unwrap_or_default(),
                    name: [c.first_name.as_deref(), c.last_name.as_deref()]
                        .into_iter()
                        .flatten()
                        .collect::<Vec<_>>()
                        .join(" "),
                    level: crm_store::customers::level_of(c)?,
                    points_balance: c.points,
                })
            })
            .transpose()?,
        created_at: s.created_at,
        lines: detail
            .lines
            .iter()
            .map(|(l, p)| ReceiptLine {
                product_id: p.id,
                sku: p.sku.clone(),
                name: p.name.clone(),
                quantity: l.quantity,
                unit_price: l.unit_price,
                line_total: l.line_total,
                discount: l.discount,
                vat_rate_bp: l.vat_rate_bp.max(0) as u32,
            })
            .collect(),
        subtotal: s.subtotal,
        loyalty_percent: s.loyalty_percent.clone(),
        loyalty_discount: s.loyalty_discount,
        coupon_discount: s.coupon_discount,
        coupon_code: detail.coupon_code.clone(),
        total: s.total,
        vat,
        payments: detail
            .payments
            .iter()
            .map(|p| {
                Ok(ReceiptPayment {
                    method: store::method_of(p)?,
                    amount: p.amount,
                    reference: p.reference.clone(),
                })
            })
            .collect::<Result<_, ApiError>>()?,
        paid: s.paid,
        change: s.change_given,
        points_earned: s.points_earned,
        refund: refund_of(detail)?,
    })
}

/// The refund part of a receipt, once refunded.
fn refund_of(detail: &store::SaleDetail) -> Result<Option<ReceiptRefund>, ApiError> {
    let Some(first) = detail.refund.first() else {
        return Ok(None);
    };
    Ok(Some(ReceiptRefund {
        business_date: first.business_date,
        at: first.created_at,
        reason: detail
            .reversal
            .as_ref()
            .map(|e| e.reason.clone())
            .unwrap_or_default(),
        total: detail.refund.iter().map(|r| r.amount).sum(),
        payments: detail
            .refund
            .iter()
            .map(|r| {
                Ok(RefundedPayment {
                    method: store::refund_method_of(r)?,
                    amount: r.amount,
                })
            })
            .collect::<Result<_, ApiError>>()?,
    }))
}

/// A sale with its receipt; 404 `sale.not_found` when there is none.
pub async fn load(
    db: &DatabaseConnection,
    id: i64,
) -> Result<(store::SaleDetail, Receipt), ApiError> {
    let detail = store::detail(db, id)
        .await?
        .ok_or_else(|| ApiError::not_found(codes::SALE_NOT_FOUND, "Vente introuvable."))?;
    let receipt = of(&detail)?;
    Ok((detail, receipt))
}
