//! `products.csv` → the catalogue. The old system's barcodes are kept as they are, EAN-13
//! or not: legacy catalogues hold in-store codes and typos, and a product the till cannot
//! find by the code on its shelf label is a product that cannot be sold. Such codes are
//! warned about in the report, never a reason to refuse the product (or, with it, every
//! sale line that names it).

use super::source::{self, Sheet};
use super::{FileRun, ImportError, Report};
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

/// Loads `products.csv`.
pub(crate) async fn import(
    state: &AppState,
    sheet: &Sheet,
    report: &mut Report,
) -> Result<(), ImportError> {
    let db = &state.db;
    let mut run = FileRun::new(report, sheet);
    let c_sku = sheet.required("sku");
    let c_name = sheet.required("name");
    let c_category = sheet.required("category");
    let c_price = sheet.required("unit_price_fcfa");
    let c_cost = sheet.required("purchase_price_fcfa");
    let c_barcode = sheet.required("barcode");
    // A catalogue is small: SKUs and barcodes are compared over the whole file.
    let mut skus = HashSet::new();
    let mut barcodes: HashMap<String, u64> = HashMap::new();
    let mut chunks = sheet.chunks()?;
    while let Some(rows) = chunks.next_chunk()? {
        let known = run
            .start_batch(state, sheet, &rows, "product_id", Entity::Product)
            .await?;
        let mut candidates = Vec::new();
        for row in &rows {
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
                Ok::<_, String>(NewProduct {
                    sku,
                    barcode: source::text(row.get(c_barcode)),
                    name,
                    category: category.as_str().to_owned(),
                    price,
                    cost,
                    vat_rate_bp: VAT_RATE_BP,
                })
            })();
            let mut product = match parsed {
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
            if let Some(code) = product.barcode.clone() {
                if let Some(first) = barcodes.get(&code) {
                    run.warn(
                        row.line,
                        format!("code-barres « {code} » déjà porté par la ligne {first} : produit importé sans code-barres"),
                    );
                    product.barcode = None;
                } else {
                    barcodes.insert(code.clone(), row.line);
                    if !is_ean13(&code) {
                        run.warn(
                            row.line,
                            format!("code-barres « {code} » non EAN-13 (code magasin ou erreur de saisie) : gardé tel quel, la caisse le trouve à ce code"),
                        );
                    }
                }
            }
            candidates.push(Candidate {
                line: row.line,
                legacy_id,
                product,
            });
        }
        let skus: Vec<String> = candidates.iter().map(|c| c.product.sku.clone()).collect();
        let codes: Vec<String> = candidates
            .iter()
            .filter_map(|c| c.product.barcode.clone())
            .collect();
        let by_sku = store::products_by_sku(db, &skus).await?;
        let codes_taken = store::barcodes_taken(db, &codes).await?;
        let mut matched = Vec::new();
        let mut fresh = Vec::new();
        for mut c in candidates {
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
                continue;
            }
            if let Some(code) = c.product.barcode.take_if(|b| codes_taken.contains(b)) {
                run.warn(
                    c.line,
                    format!("code-barres « {code} » déjà porté par un autre produit de la base : produit importé sans code-barres"),
                );
            }
            fresh.push((c.legacy_id, c.product));
        }
        store::record_ids(db, Entity::Product, &matched).await?;
        let ids = store::insert_products(db, &fresh).await?;
        run.imported(ids.len());
    }
    run.finish();
    Ok(())
}
