//! `sales.csv`, `sale_lines.csv`, `payments.csv` → sales of the store `LEGACY`, with
//! their lines and payments. Lines and payments follow their sale: refused with it, loaded
//! with it; one that cannot be read on its own is refused, and its sale then shows in the
//! report's reconciliation rather than being changed.

use super::source::{self, Sheet};
use super::{resolve, FileRun, ImportError, Report};
use crate::startup::AppState;
use crm_domain::sale::{
    allocate_proportionally, included_vat, points_credited, PaymentMethod, SaleStatus,
};
use crm_domain::Money;
use crm_store::legacy::{self as store, Entity, LegacyLine, LegacyPayment, LegacySale, StoredLine};
use crm_store::sales::{NewLine, NewPayment, NewSale, SaleHeader};
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};

/// Code of the store the old system's sales are attached to.
pub const LEGACY_STORE: &str = "LEGACY";
/// VAT included in imported totals: 18 %.
const VAT_RATE_BP: u32 = 1_800;

/// The old system's sale statuses, and the usual spellings of them.
fn status(value: &str) -> Result<SaleStatus, String> {
    match value.trim().to_ascii_uppercase().as_str() {
        "VALIDATED" | "COMPLETED" => Ok(SaleStatus::Completed),
        "CANCELLED" | "CANCELED" => Ok(SaleStatus::Cancelled),
        "REFUNDED" => Ok(SaleStatus::Refunded),
        _ => Err(format!("statut inconnu « {} »", value.trim())),
    }
}

/// The old system's payment codes, and the usual spellings of them.
fn payment_method(value: &str) -> Result<PaymentMethod, String> {
    let code = value.trim().to_uppercase().replace([' ', '-'], "_");
    if let Ok(m) = code.parse::<PaymentMethod>() {
        return Ok(m);
    }
    match code.as_str() {
        "CASH" | "ESPÈCES" | "ESPECE" | "LIQUIDE" => Ok(PaymentMethod::Especes),
        "CB" | "CARD" | "CARTE_BANCAIRE" | "VISA" | "MASTERCARD" => Ok(PaymentMethod::Carte),
        "OM" | "ORANGE" | "ORANGEMONEY" => Ok(PaymentMethod::OrangeMoney),
        "MOMO" | "MTN" | "MTN_MONEY" | "MTNMOMO" => Ok(PaymentMethod::MtnMomo),
        "MOOV" | "MOOVMONEY" | "FLOOZ" => Ok(PaymentMethod::MoovMoney),
        "CHQ" | "CHÈQUE" | "CHECK" => Ok(PaymentMethod::Cheque),
        _ => Err(format!("moyen de paiement inconnu « {} »", value.trim())),
    }
}

/// The discount as a percentage of the subtotal, two decimals at most (`"5"`).
pub(crate) fn percent(discount: i64, subtotal: i64) -> String {
    if subtotal <= 0 || discount <= 0 {
        return "0".into();
    }
    (Decimal::from(discount) * Decimal::from(100) / Decimal::from(subtotal))
        .round_dp(2)
        .normalize()
        .to_string()
}

struct SaleCandidate {
    line: u64,
    sale: LegacySale,
}

/// Loads `sales.csv`.
pub(crate) async fn import_sales(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let c = |name| sheet.required(name);
    let (c_ticket, c_cashier, c_client, c_created) = (
        c("ticket_number"),
        c("cashier_user_id"),
        c("client_id"),
        c("created_at"),
    );
    let (c_status, c_subtotal, c_discount, c_total) = (
        c("status"),
        c("subtotal_fcfa"),
        c("discount_fcfa"),
        c("total_fcfa"),
    );
    let mut place = None;
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "sale_id", Entity::Sale)
            .await?;
        let users = resolve(db, Entity::User, rows.iter().map(|r| r.get(c_cashier))).await?;
        let clients = resolve(db, Entity::Client, rows.iter().map(|r| r.get(c_client))).await?;
        let mut candidates = Vec::new();
        // Within the batch; a ticket met again in a later batch is found in the database.
        let mut tickets = HashSet::new();
        for row in &rows {
            let Some(legacy_id) = run.admit(sheet, row, "sale_id", &known) else {
                continue;
            };
            if place.is_none() {
                let store_row = crm_store::stores::ensure(
                    db,
                    LEGACY_STORE,
                    "Ancien système",
                    crm_store::customers::DEFAULT_CITY,
                    "Africa/Abidjan",
                )
                .await?;
                place = Some((store_row.id, store::first_till(db, store_row.id).await?));
            }
            let (store_id, till_id) = place.unwrap_or_default();
            let parsed = (|| {
                let ticket = source::text(row.get(c_ticket)).ok_or("ticket_number vide")?;
                let cashier = row.get(c_cashier);
                let cashier_id = *users.get(cashier).ok_or_else(|| {
                    format!("caissier inconnu « {cashier} » (absent de users.csv ou refusé)")
                })?;
                let customer_id = match row.get(c_client) {
                    "" => None,
                    client => Some(*clients.get(client).ok_or_else(|| {
                        format!("client inconnu « {client} » (absent de clients.csv ou refusé)")
                    })?),
                };
                let created_at = source::timestamp(row.get(c_created), "created_at")?;
                let status = status(row.get(c_status))?;
                let subtotal = source::amount(row.get(c_subtotal), "subtotal_fcfa")?;
                let discount = source::amount(row.get(c_discount), "discount_fcfa")?;
                let total = source::amount(row.get(c_total), "total_fcfa")?;
                if subtotal - discount != total {
                    return Err(format!(
                        "montants incohérents : {subtotal} − {discount} ≠ {total}"
                    ));
                }
                Ok::<_, String>(LegacySale {
                    legacy_id: legacy_id.clone(),
                    ticket_number: ticket,
                    status,
                    created_at,
                    sale: NewSale {
                        header: SaleHeader {
                            store_id,
                            store_code: LEGACY_STORE.to_owned(),
                            till_id,
                            cashier_id,
                            customer_id,
                            // Filled from the customer's level once imported
                            // (`crm_store::kpis::rebuild`).
                            customer_level: None,
                            business_date: created_at
                                .with_timezone(&chrono_tz::Africa::Abidjan)
                                .date_naive(),
                        },
                        loyalty_percent: percent(discount, subtotal),
                        subtotal,
                        loyalty_discount: discount,
                        coupon_discount: 0,
                        total,
                        vat_total: included_vat(Money::fcfa(total), VAT_RATE_BP).francs(),
                        points_earned: if status == SaleStatus::Completed {
                            points_credited(Money::fcfa(total), customer_id.is_some())
                        } else {
                            0
                        },
                        // The old system recorded no change: paid exactly.
                        paid: total,
                        change_given: 0,
                        lines: Vec::new(),
                        payments: Vec::new(),
                        idempotency_key: None,
                        request_hash: None,
                        coupon: None,
                    },
                })
            })();
            let sale = match parsed {
                Ok(s) => s,
                Err(reason) => {
                    run.reject(row.line, reason);
                    continue;
                }
            };
            if !tickets.insert(sale.ticket_number.clone()) {
                run.reject(
                    row.line,
                    format!(
                        "ticket « {} » en double dans le fichier",
                        sale.ticket_number
                    ),
                );
                continue;
            }
            candidates.push(SaleCandidate {
                line: row.line,
                sale,
            });
        }
        let tickets: Vec<String> = candidates
            .iter()
            .map(|c| c.sale.ticket_number.clone())
            .collect();
        let taken = store::tickets_taken(db, &tickets).await?;
        let mut fresh = Vec::with_capacity(candidates.len());
        for c in candidates {
            if taken.contains(&c.sale.ticket_number) {
                run.reject(
                    c.line,
                    format!(
                        "ticket « {} » déjà présent dans la base",
                        c.sale.ticket_number
                    ),
                );
            } else {
                fresh.push(c.sale);
            }
        }
        let ids = store::insert_sales(db, &fresh).await?;
        run.imported(ids.len());
    }
    run.finish();
    Ok(())
}

/// The message of a line or payment whose sale is not there: it follows its sale.
fn sale_missing(sale: &str) -> String {
    format!("vente inconnue « {sale} » (absente de sales.csv ou refusée)")
}

struct LineCandidate {
    legacy_id: String,
    sale_id: i64,
    product_id: i64,
    quantity: i64,
    unit_price: i64,
    line_total: i64,
}

/// Loads `sale_lines.csv`. Each sale's discount is spread over its lines in proportion;
/// when a sale's lines come in two batches, the shares of those already loaded are
/// corrected with the next ones, so the shares always add up to the sale's discount.
pub(crate) async fn import_lines(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let c = |name| sheet.required(name);
    let (c_sale, c_product, c_quantity, c_price, c_total) = (
        c("sale_id"),
        c("product_id"),
        c("quantity"),
        c("unit_price_fcfa"),
        c("line_total_fcfa"),
    );
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "line_id", Entity::SaleLine)
            .await?;
        let sales = resolve(db, Entity::Sale, rows.iter().map(|r| r.get(c_sale))).await?;
        let products = resolve(db, Entity::Product, rows.iter().map(|r| r.get(c_product))).await?;
        // Lines grouped by sale, sales in order of first appearance.
        let mut by_sale: HashMap<i64, Vec<LineCandidate>> = HashMap::new();
        let mut order = Vec::new();
        for row in &rows {
            let Some(legacy_id) = run.admit(sheet, row, "line_id", &known) else {
                continue;
            };
            let parsed = (|| {
                let sale = row.get(c_sale);
                let sale_id = *sales.get(sale).ok_or_else(|| sale_missing(sale))?;
                let product = row.get(c_product);
                let product_id = *products.get(product).ok_or_else(|| {
                    format!("produit inconnu « {product} » (absent de products.csv ou refusé)")
                })?;
                let quantity = source::amount(row.get(c_quantity), "quantity")?;
                if quantity == 0 {
                    return Err("quantity nulle".to_owned());
                }
                Ok::<_, String>(LineCandidate {
                    legacy_id,
                    sale_id,
                    product_id,
                    quantity,
                    unit_price: source::amount(row.get(c_price), "unit_price_fcfa")?,
                    line_total: source::amount(row.get(c_total), "line_total_fcfa")?,
                })
            })();
            match parsed {
                Ok(l) => {
                    let group = by_sale.entry(l.sale_id).or_default();
                    if group.is_empty() {
                        order.push(l.sale_id);
                    }
                    group.push(l);
                }
                Err(reason) => run.reject(row.line, reason),
            }
        }
        let product_ids: Vec<i64> = by_sale
            .values()
            .flatten()
            .map(|l| l.product_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let costs = store::product_costs(db, &product_ids).await?;
        let discounts = store::sale_discounts(db, &order).await?;
        let mut stored: HashMap<i64, Vec<StoredLine>> = HashMap::new();
        for line in store::lines_of_sales(db, &order).await? {
            stored.entry(line.sale_id).or_default().push(line);
        }
        let mut lines = Vec::new();
        let mut respread = Vec::new();
        for sale_id in order {
            let group = by_sale.remove(&sale_id).unwrap_or_default();
            let before = stored.remove(&sale_id).unwrap_or_default();
            let weights: Vec<Money> = before
                .iter()
                .map(|l| l.line_total)
                .chain(group.iter().map(|l| l.line_total))
                .map(Money::fcfa)
                .collect();
            let discount = Money::fcfa(discounts.get(&sale_id).copied().unwrap_or(0));
            let mut shares = allocate_proportionally(discount, &weights).into_iter();
            for (l, share) in before.iter().zip(shares.by_ref()) {
                if l.discount != share.francs() {
                    respread.push((l.id, share.francs()));
                }
            }
            for (l, share) in group.into_iter().zip(shares) {
                let (cost, vat) = costs.get(&l.product_id).copied().unwrap_or((0, 1_800));
                lines.push(LegacyLine {
                    legacy_id: l.legacy_id,
                    sale_id: l.sale_id,
                    line: NewLine {
                        product_id: l.product_id,
                        quantity: l.quantity,
                        unit_price: l.unit_price,
                        line_total: l.line_total,
                        discount: share.francs(),
                        vat_rate_bp: vat,
                        unit_cost: cost,
                    },
                });
            }
        }
        let ids = store::insert_lines(db, &lines, &respread).await?;
        run.imported(ids.len());
    }
    run.finish();
    Ok(())
}

/// Loads `payments.csv`. A payment of 0 FCFA is kept: it is how the old system recorded
/// a basket a coupon paid for entirely.
pub(crate) async fn import_payments(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let (c_sale, c_method, c_amount) = (
        sheet.required("sale_id"),
        sheet.required("payment_type_code"),
        sheet.required("amount_fcfa"),
    );
    let c_reference = sheet.column("reference");
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "payment_id", Entity::Payment)
            .await?;
        let sales = resolve(db, Entity::Sale, rows.iter().map(|r| r.get(c_sale))).await?;
        let mut payments = Vec::new();
        for row in &rows {
            let Some(legacy_id) = run.admit(sheet, row, "payment_id", &known) else {
                continue;
            };
            let parsed = (|| {
                let sale = row.get(c_sale);
                let sale_id = *sales.get(sale).ok_or_else(|| sale_missing(sale))?;
                let amount = source::amount(row.get(c_amount), "amount_fcfa")?;
                Ok::<_, String>(LegacyPayment {
                    legacy_id,
                    sale_id,
                    payment: NewPayment {
                        method: payment_method(row.get(c_method))?,
                        amount,
                        applied_amount: amount,
                        reference: source::text(row.opt(c_reference)),
                    },
                })
            })();
            match parsed {
                Ok(p) => payments.push(p),
                Err(reason) => run.reject(row.line, reason),
            }
        }
        let ids = store::insert_payments(db, &payments).await?;
        run.imported(ids.len());
    }
    run.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_payment_codes() {
        assert_eq!(payment_method("CASH"), Ok(PaymentMethod::Especes));
        assert_eq!(payment_method("cb"), Ok(PaymentMethod::Carte));
        assert_eq!(payment_method("OM"), Ok(PaymentMethod::OrangeMoney));
        assert_eq!(
            payment_method("Orange Money"),
            Ok(PaymentMethod::OrangeMoney)
        );
        assert_eq!(payment_method("MOMO"), Ok(PaymentMethod::MtnMomo));
        assert_eq!(payment_method("MOOV"), Ok(PaymentMethod::MoovMoney));
        assert_eq!(payment_method("wave"), Ok(PaymentMethod::Wave));
        assert_eq!(payment_method("Espèces"), Ok(PaymentMethod::Especes));
        assert_eq!(payment_method("mtn-momo"), Ok(PaymentMethod::MtnMomo));
        assert!(payment_method("BITCOIN").is_err());
    }

    #[test]
    fn discount_percent() {
        assert_eq!(percent(510, 10_200), "5");
        assert_eq!(percent(0, 10_200), "0");
        assert_eq!(percent(100, 300), "33.33");
    }
}
