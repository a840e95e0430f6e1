//! `coupons.csv` → coupons, with their codes, caps and status kept; `coupon_uses.csv` →
//! their uses (redemptions). A use on a cancelled or refunded sale is imported released
//! and does not count against the caps; every other one is counted in its coupon's
//! `uses_count`, exactly as a use at the till is. The coupon's part of the old sale's
//! single discount moves from the loyalty discount to the coupon discount.

use super::sales::percent;
use super::source::{self, Row, Sheet};
use super::{resolve, FileRun, ImportError, Report};
use crate::startup::AppState;
use chrono::{DateTime, Utc};
use crm_domain::coupon::{normalize_code, Coupon, CouponKind, CouponStatus, DiscountKind};
use crm_domain::sale::SaleStatus;
use crm_domain::{Level, Money};
use crm_store::legacy::{self as store, DiscountSplit, Entity, LegacyCoupon, LegacyCouponUse};
use rust_decimal::Decimal;
use std::collections::{BTreeSet, HashMap};
use std::str::FromStr;

/// Description of a coupon the old system gave none.
const NO_DESCRIPTION: &str = "Coupon repris de l'ancien système";
/// Longest description (as when marketing creates a coupon).
const DESCRIPTION_MAX: usize = 200;

/// Upper case, accents dropped, `_` for spaces and dashes (`Spécial client` →
/// `SPECIAL_CLIENT`).
fn word(value: &str) -> String {
    value
        .trim()
        .to_uppercase()
        .chars()
        .map(|c| match c {
            'É' | 'È' | 'Ê' | 'Ë' => 'E',
            'À' | 'Â' | 'Ä' => 'A',
            'Î' | 'Ï' => 'I',
            'Ô' | 'Ö' => 'O',
            'Ù' | 'Û' | 'Ü' => 'U',
            'Ç' => 'C',
            ' ' | '-' => '_',
            c => c,
        })
        .collect()
}

/// The old system's coupon types.
fn kind(value: &str) -> Result<CouponKind, String> {
    match word(value).as_str() {
        "GENERIC" | "GENERIQUE" | "PUBLIC" | "PUBLIQUE" | "PROMO" | "CODE_PROMO" => {
            Ok(CouponKind::Generic)
        }
        "SPECIAL" | "SPECIAL_CLIENT" | "SPECIFIQUE" | "PERSONNEL" | "PERSONNALISE"
        | "NOMINATIF" => Ok(CouponKind::Special),
        "" => Err("coupon_type vide".into()),
        _ => Err(format!("type de coupon inconnu « {} »", value.trim())),
    }
}

/// PERCENT or FIXED, and their usual spellings.
fn discount_kind(value: &str) -> Result<DiscountKind, String> {
    match word(value).as_str() {
        "PERCENT" | "PERCENTAGE" | "POURCENTAGE" | "POURCENT" | "%" => Ok(DiscountKind::Percent),
        "FIXED" | "FIXE" | "AMOUNT" | "MONTANT" | "MONTANT_FIXE" => Ok(DiscountKind::Fixed),
        "" => Err("discount_type vide".into()),
        _ => Err(format!("type de remise inconnu « {} »", value.trim())),
    }
}

/// ACTIVE, INACTIVE, EXPIRED, in any case, also in French.
fn status(value: &str) -> Result<CouponStatus, String> {
    match word(value).as_str() {
        "ACTIVE" | "ACTIF" => Ok(CouponStatus::Active),
        "INACTIVE" | "INACTIF" | "DESACTIVE" => Ok(CouponStatus::Inactive),
        "EXPIRED" | "EXPIRE" | "EXPIREE" => Ok(CouponStatus::Expired),
        "" => Err("status vide".into()),
        _ => Err(format!("statut de coupon inconnu « {} »", value.trim())),
    }
}

/// The lowest level allowed: none for the old system's `TOUS` (everyone, even an
/// anonymous sale) or an empty cell.
fn required_level(value: &str) -> Result<Option<Level>, String> {
    match word(value).as_str() {
        "" | "TOUS" | "STANDARD" => Ok(None),
        _ => Level::from_str(value).map(Some),
    }
}

/// The discount's value: a whole percent (`10`, `10.00`, `10 %`) or whole FCFA.
fn value(value: &str, kind: DiscountKind) -> Result<i64, String> {
    let v = value.trim();
    match kind {
        DiscountKind::Fixed => source::amount(v, "value"),
        DiscountKind::Percent => {
            let number = v.strip_suffix('%').unwrap_or(v).trim();
            source::amount(number, "value").map_err(|_| match Decimal::from_str(number) {
                Ok(d) if !d.fract().is_zero() => {
                    format!("pourcentage non entier « {v} » (nombre entier de 1 à 100 attendu)")
                }
                _ => format!("pourcentage invalide « {v} » (nombre entier de 1 à 100 attendu)"),
            })
        }
    }
}

/// A cap on uses (`global_limit`, `per_client_limit`).
fn cap(value: &str, what: &str) -> Result<u32, String> {
    let n = source::amount(value, what)?;
    u32::try_from(n)
        .ok()
        .filter(|n| i32::try_from(*n).is_ok())
        .ok_or_else(|| format!("{what} trop grand « {} »", value.trim()))
}

/// Rows of a batch already imported (by their id in `id_column`).
fn known_rows<'s>(
    sheet: &'s Sheet,
    rows: &'s [Row],
    id_column: &str,
    known: &'s HashMap<String, i64>,
) -> impl Iterator<Item = &'s Row> {
    let c_id = sheet.required(id_column);
    rows.iter()
        .filter(move |row| sheet.check(row).is_ok() && known.contains_key(row.get(c_id)))
}

struct CouponCandidate {
    line: u64,
    coupon: LegacyCoupon,
}

/// Loads `coupons.csv`.
pub(crate) async fn import_coupons(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let c = |name| sheet.required(name);
    let (c_code, c_type, c_discount, c_value) =
        (c("code"), c("coupon_type"), c("discount_type"), c("value"));
    let (c_from, c_to, c_per_client, c_global) = (
        c("valid_from"),
        c("valid_to"),
        c("per_client_limit"),
        c("global_limit"),
    );
    let (c_min, c_tier, c_client, c_status) = (
        c("min_purchase_fcfa"),
        c("required_tier"),
        c("client_id"),
        c("status"),
    );
    let c_description = sheet.column("description");
    // Code → line of the first row holding it, over the whole file (coupons are few);
    // rows imported earlier hold theirs, so a second run refuses the same rows for the
    // same reasons.
    let mut codes: HashMap<String, u64> = HashMap::new();
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "coupon_id", Entity::Coupon)
            .await?;
        let clients = resolve(db, Entity::Client, rows.iter().map(|r| r.get(c_client))).await?;
        for row in known_rows(sheet, &rows, "coupon_id", &known) {
            codes
                .entry(normalize_code(row.get(c_code)))
                .or_insert(row.line);
        }
        let mut candidates = Vec::new();
        for row in &rows {
            let Some(legacy_id) = run.admit(sheet, row, "coupon_id", &known) else {
                continue;
            };
            let parsed = (|| {
                let code = normalize_code(row.get(c_code));
                if code.is_empty() {
                    return Err("code vide".to_owned());
                }
                let kind = kind(row.get(c_type))?;
                let discount_kind = discount_kind(row.get(c_discount))?;
                let value = value(row.get(c_value), discount_kind)?;
                let valid_from = match row.get(c_from) {
                    "" => return Err("valid_from vide".to_owned()),
                    v => source::day(v, "valid_from")?,
                };
                let valid_to = match row.get(c_to) {
                    "" => return Err("valid_to vide".to_owned()),
                    v => source::day(v, "valid_to")?,
                };
                let per_customer_cap = match row.get(c_per_client) {
                    "" => 1,
                    v => cap(v, "per_client_limit")?,
                };
                let global_cap = match row.get(c_global) {
                    "" => None,
                    v => Some(cap(v, "global_limit")?),
                };
                let min_basket = match row.get(c_min) {
                    "" => 0,
                    v => source::amount(v, "min_purchase_fcfa")?,
                };
                let required_level = required_level(row.get(c_tier))?;
                let customer_id = match row.get(c_client) {
                    "" => None,
                    client => Some(*clients.get(client).ok_or_else(|| {
                        format!("client inconnu « {client} » (absent de clients.csv ou refusé)")
                    })?),
                };
                let status = status(row.get(c_status))?;
                if kind == CouponKind::Special && customer_id.is_none() {
                    return Err("coupon personnel (SPECIAL) sans client_id".to_owned());
                }
                let rules = Coupon {
                    kind,
                    discount_kind,
                    value,
                    valid_from,
                    valid_to,
                    global_cap,
                    per_customer_cap,
                    min_basket: Money::fcfa(min_basket),
                    required_level,
                    customer_id,
                    eligible_categories: BTreeSet::new(),
                    stacks_with_loyalty: true,
                    status,
                };
                rules.validate().map_err(|e| e.to_string())?;
                Ok::<_, String>((code, rules))
            })();
            let (code, rules) = match parsed {
                Ok(p) => p,
                Err(reason) => {
                    run.reject(row.line, reason);
                    continue;
                }
            };
            if let Some(first) = codes.get(&code) {
                run.reject(
                    row.line,
                    format!("code « {code} » en double dans le fichier (ligne {first})"),
                );
                continue;
            }
            codes.insert(code.clone(), row.line);
            let mut description =
                source::text(row.opt(c_description)).unwrap_or_else(|| NO_DESCRIPTION.to_owned());
            if description.chars().count() > DESCRIPTION_MAX {
                description = description.chars().take(DESCRIPTION_MAX).collect();
                run.note(
                    row.line,
                    format!("description raccourcie à {DESCRIPTION_MAX} caractères"),
                );
            }
            candidates.push(CouponCandidate {
                line: row.line,
                coupon: LegacyCoupon {
                    legacy_id,
                    code,
                    description,
                    rules,
                },
            });
        }
        let codes: Vec<String> = candidates.iter().map(|c| c.coupon.code.clone()).collect();
        let taken = store::coupon_codes_taken(db, &codes).await?;
        let mut fresh = Vec::with_capacity(candidates.len());
        for c in candidates {
            if taken.contains(&c.coupon.code) {
                run.reject(
                    c.line,
                    format!("code « {} » déjà utilisé dans la base", c.coupon.code),
                );
            } else {
                fresh.push(c.coupon);
            }
        }
        let ids = store::insert_coupons(db, &fresh).await?;
        run.imported(ids.len());
    }
    run.finish();
    Ok(())
}

struct UseCandidate {
    line: u64,
    legacy_id: String,
    coupon_id: i64,
    sale_id: i64,
    customer_id: Option<i64>,
    amount: i64,
    used_at: Option<DateTime<Utc>>,
}

/// Loads `coupon_uses.csv`: one coupon per sale at most, as at the till.
pub(crate) async fn import_uses(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let (c_coupon, c_sale, c_amount) = (
        sheet.required("coupon_id"),
        sheet.required("sale_id"),
        sheet.required("discount_fcfa"),
    );
    let (c_client, c_used) = (sheet.column("client_id"), sheet.column("used_at"));
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "use_id", Entity::CouponUse)
            .await?;
        let coupons = resolve(db, Entity::Coupon, rows.iter().map(|r| r.get(c_coupon))).await?;
        let sales = resolve(db, Entity::Sale, rows.iter().map(|r| r.get(c_sale))).await?;
        let clients = resolve(db, Entity::Client, rows.iter().map(|r| r.opt(c_client))).await?;
        // Sale → line of the first use on it in the batch (uses imported earlier included);
        // a sale used again in a later batch is found holding its coupon in the database.
        let mut used_sales: HashMap<String, u64> = known_rows(sheet, &rows, "use_id", &known)
            .map(|row| (row.get(c_sale).to_owned(), row.line))
            .collect();
        let mut candidates = Vec::new();
        for row in &rows {
            let Some(legacy_id) = run.admit(sheet, row, "use_id", &known) else {
                continue;
            };
            let sale = row.get(c_sale);
            let parsed = (|| {
                let coupon = row.get(c_coupon);
                let coupon_id = *coupons.get(coupon).ok_or_else(|| {
                    format!("coupon inconnu « {coupon} » (absent de coupons.csv ou refusé)")
                })?;
                let sale_id = *sales.get(sale).ok_or_else(|| {
                    format!("vente inconnue « {sale} » (absente de sales.csv ou refusée)")
                })?;
                let customer_id = match row.opt(c_client) {
                    "" => None,
                    client => Some(*clients.get(client).ok_or_else(|| {
                        format!("client inconnu « {client} » (absent de clients.csv ou refusé)")
                    })?),
                };
                let amount = source::amount(row.get(c_amount), "discount_fcfa")?;
                let used_at = match row.opt(c_used) {
                    "" => None,
                    v => Some(source::timestamp(v, "used_at")?),
                };
                Ok::<_, String>(UseCandidate {
                    line: row.line,
                    legacy_id,
                    coupon_id,
                    sale_id,
                    customer_id,
                    amount,
                    used_at,
                })
            })();
            let candidate = match parsed {
                Ok(c) => c,
                Err(reason) => {
                    run.reject(row.line, reason);
                    continue;
                }
            };
            if let Some(first) = used_sales.get(sale) {
                run.reject(
                row.line,
                format!("vente « {sale} » déjà associée à un coupon (ligne {first}) : un seul coupon par vente"),
            );
                continue;
            }
            used_sales.insert(sale.to_owned(), row.line);
            candidates.push(candidate);
        }
        let sale_ids: Vec<i64> = candidates.iter().map(|c| c.sale_id).collect();
        let facts = store::sale_facts(db, &sale_ids).await?;
        let holding = store::sales_with_coupon(db, &sale_ids).await?;
        let mut uses = Vec::with_capacity(candidates.len());
        for c in candidates {
            let Some(sale) = facts.get(&c.sale_id) else {
                run.reject(c.line, "vente introuvable dans la base");
                continue;
            };
            if holding.contains(&c.sale_id) {
                run.reject(
                    c.line,
                    "la vente a déjà un coupon dans la base : un seul coupon par vente",
                );
                continue;
            }
            let at = c.used_at.unwrap_or(sale.created_at);
            let split = if sale.coupon_discount != 0 || c.amount == 0 {
                None
            } else if c.amount > sale.loyalty_discount {
                run.note(
                    c.line,
                    format!(
                        "remise du coupon ({} FCFA) supérieure à la remise de la vente ({} FCFA) : la remise de la vente reste une remise fidélité",
                        c.amount, sale.loyalty_discount
                    ),
                );
                None
            } else {
                let loyalty = sale.loyalty_discount - c.amount;
                Some(DiscountSplit {
                    loyalty_discount: loyalty,
                    loyalty_percent: percent(loyalty, sale.subtotal),
                    coupon_discount: c.amount,
                })
            };
            uses.push(LegacyCouponUse {
                legacy_id: c.legacy_id,
                coupon_id: c.coupon_id,
                customer_id: c.customer_id.or(sale.customer_id),
                sale_id: c.sale_id,
                amount: c.amount,
                at,
                // The old system's sale was cancelled or refunded: the use no longer counts.
                released_at: (sale.status != SaleStatus::Completed).then_some(at),
                split,
            });
        }
        let ids = store::insert_coupon_uses(db, &uses).await?;
        run.imported(ids.len());
    }
    run.finish();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legacy_coupon_types() {
        for generic in ["GENERIC", "generique", "Générique", "PUBLIC", "promo"] {
            assert_eq!(kind(generic), Ok(CouponKind::Generic), "{generic}");
        }
        for special in ["SPECIAL", "special_client", "Spécial client", "PERSONNEL"] {
            assert_eq!(kind(special), Ok(CouponKind::Special), "{special}");
        }
        assert_eq!(
            kind("LOTERIE"),
            Err("type de coupon inconnu « LOTERIE »".into())
        );
        assert!(kind(" ").is_err());
    }

    #[test]
    fn legacy_statuses_and_discount_types() {
        assert_eq!(status("active"), Ok(CouponStatus::Active));
        assert_eq!(status("ACTIF"), Ok(CouponStatus::Active));
        assert_eq!(status("Inactif"), Ok(CouponStatus::Inactive));
        assert_eq!(status("EXPIRÉ"), Ok(CouponStatus::Expired));
        assert_eq!(status("expired"), Ok(CouponStatus::Expired));
        assert!(status("ARCHIVED").is_err());
        assert_eq!(discount_kind("percent"), Ok(DiscountKind::Percent));
        assert_eq!(discount_kind("POURCENTAGE"), Ok(DiscountKind::Percent));
        assert_eq!(discount_kind("FIXED"), Ok(DiscountKind::Fixed));
        assert_eq!(discount_kind("montant"), Ok(DiscountKind::Fixed));
        assert!(discount_kind("BOGO").is_err());
    }

    #[test]
    fn values_and_levels() {
        assert_eq!(value("10", DiscountKind::Percent), Ok(10));
        assert_eq!(value("10.00", DiscountKind::Percent), Ok(10));
        assert_eq!(value("10 %", DiscountKind::Percent), Ok(10));
        assert_eq!(
            value("12.5", DiscountKind::Percent),
            Err("pourcentage non entier « 12.5 » (nombre entier de 1 à 100 attendu)".into())
        );
        assert!(value("dix", DiscountKind::Percent).is_err());
        assert_eq!(value("1000.00", DiscountKind::Fixed), Ok(1000));
        assert!(value("999.50", DiscountKind::Fixed).is_err());
        assert_eq!(required_level(""), Ok(None));
        assert_eq!(required_level("TOUS"), Ok(None));
        assert_eq!(required_level("gold"), Ok(Some(Level::Gold)));
        assert!(required_level("PLATINE").is_err());
        assert_eq!(cap("500", "global_limit"), Ok(500));
        assert!(cap("99999999999", "global_limit").is_err());
    }
}
