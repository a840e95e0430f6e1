//! `products.csv` → the catalogue.

use super::source::{self, Sheet};
use super::{batches, FileRun, ImportError, Report};
use crate::startup::AppState;
use crm_domain::barcode::is_ean13;
use crm_domain::sale::Category;
use crm_store::legacy::{self as store, Entity};
use crm_store::products::NewProduct;
use std::collections::{HashMap, HashSet};

/// VAT of imported products: the Ivorian standard rate, 18 %.
const VAT_RATE_BP: i32 = 1_800;

struct Candidate {
    line: u64,
    legacy_id: String,
    product: NewProduct,
}

/// Loads `products.csv`; returns every known legacy product id with its product id.
pub(crate) async fn import(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<HashMap<String, i64>, ImportError> {
    let db = &state.db;
    let mut known = store::known_ids(db, Entity::Product).await?;
    let mut run = FileRun::new(report, sheet);
    let c_sku = sheet.required("sku");
    let c_name = sheet.required("name");
    let c_category = sheet.required("category");
    let c_price = sheet.required("unit_price_fcfa");
    let c_cost = sheet.required("purchase_price_fcfa");
    let c_barcode = sheet.required("barcode");
    let mut candidates = Vec::new();
    let (mut skus, mut barcodes) = (HashSet::new(), HashSet::new());
    for row in &sheet.rows {
        let Some(legacy_id) = run.admit(sheet, row, "product_id", &known) else {
            continue;
        };
        let parsed = (|| {
            let sku = source::text(row.get(c_sku)).ok_or("sku vide")?;
            let name = source::text(row.get(c_name)).ok_or("name vide")?;
            let category: Category = row.get(c_category).parse()?;
            let price = source::amount(row.get(c_price), "prix de vente")?;
            let cost = match row.get(c_cost) {
                "" => 0,
                v => source::amount(v, "prix d'achat")?,
            };
            let barcode = source::text(row.get(c_barcode));
            if let Some(code) = &barcode {
                if !is_ean13(code) {
                    return Err(format!("code-barres EAN-13 invalide « {code} »"));
                }
            }
            Ok::<_, String>(NewProduct {
                sku,
                barcode,
                name,
                category: category.as_str().to_owned(),
                price,
                cost,
                vat_rate_bp: VAT_RATE_BP,
            })
        })();
        let product = match parsed {
            Ok(p) => p,
            Err(reason) => {
                run.reject(row.line, reason);
                continue;
            }
        };
        if !skus.insert(product.sku.clone()) {
            run.reject(
                row.line,
                format!("sku « {} » en double dans le fichier", product.sku),
            );
            continue;
        }
        if let Some(code) = &product.barcode {
            if !barcodes.insert(code.clone()) {
                run.reject(
                    row.line,
                    format!("code-barres « {code} » en double dans le fichier"),
                );
                continue;
            }
        }
        candidates.push(Candidate {
            line: row.line,
            legacy_id,
            product,
        });
    }
    for chunk in batches(candidates) {
        let skus: Vec<String> = chunk.iter().map(|c| c.product.sku.clone()).collect();
        let codes: Vec<String> = chunk
            .iter()
            .filter_map(|c| c.product.barcode.clone())
            .collect();
        let by_sku = store::products_by_sku(db, &skus).await?;
        let codes_taken = store::barcodes_taken(db, &codes).await?;
        let mut matched = Vec::new();
        let mut fresh = Vec::new();
        for c in chunk {
            if let Some(&id) = by_sku.get(&c.product.sku) {
                run.note(
                    c.line,
                    format!(
                        "sku « {} » déjà au catalogue : rattaché au produit existant",
                        c.product.sku
                    ),
                );
                run.present();
                matched.push((c.legacy_id, id));
            } else if let Some(code) = c
                .product
                .barcode
                .as_ref()
                .filter(|b| codes_taken.contains(*b))
            {
                run.reject(
                    c.line,
                    format!("code-barres « {code} » déjà utilisé par un autre produit"),
                );
            } else {
                fresh.push((c.legacy_id, c.product));
            }
        }
        store::record_ids(db, Entity::Product, &matched).await?;
        known.extend(matched);
        let ids = store::insert_products(db, &fresh).await?;
        run.imported(ids.len());
        known.extend(fresh.into_iter().map(|(l, _)| l).zip(ids));
    }
    run.finish();
    Ok(known)
}
