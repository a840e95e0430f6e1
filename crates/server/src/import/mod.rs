//! `crm import legacy --dir DIR`: loads the old system's tables exported as CSV
//! (SPEC §6). Every file is read to its end and its columns checked before anything is
//! written; then users, products, clients, sales, sale lines, payments, coupons and coupon
//! uses are loaded in that order, streamed in batches of [`BATCH`] rows, each batch in one
//! transaction with its `legacy_ids` rows; what a row refers to is looked up in
//! `legacy_ids` per batch, so memory stays the same whatever the size of the export.
//! Every file is optional, as long as the rows another file refers to are there (or were
//! loaded by an earlier run).
//! Only a row that cannot be read is refused (with its file, line and reason); one the
//! old system accepted but this one would not have taken as it is (a barcode that is not
//! EAN-13) is loaded with a warning. Lines and payments follow their sale, and the report
//! ends with the reconciliation of every imported sale. Running the import again finds
//! every row in `legacy_ids` and writes nothing.

mod clients;
mod coupons;
mod products;
mod report;
mod sales;
mod source;
mod users;

pub use report::{FileState, FileSummary, Remark, Remarks, Report};

/// The parsers of the export's values, public for the fuzz targets (`fuzz/`).
pub mod values {
    pub use super::source::{amount, date, day, timestamp};
}

use crate::startup::AppState;
use crm_store::legacy::{self as store, Entity};
use crm_store::StoreError;
use source::{FileSpec, Row, Sheet};
use std::collections::{HashMap, HashSet};
use std::io::IsTerminal;
use std::path::Path;

/// Rows read at a time, and per multi-row insert and transaction.
pub const BATCH: usize = 1_000;

/// Why an import did not run. Nothing has been written when one of these is returned,
/// except for [`ImportError::Store`] (batches already committed stay, and running the
/// import again resumes after them).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The folder does not exist.
    #[error("dossier introuvable : {0}")]
    NoDirectory(String),
    /// None of the known files is in the folder.
    #[error("aucun fichier de l'ancien système (users.csv, products.csv, clients.csv, sales.csv, sale_lines.csv, payments.csv, coupons.csv, coupon_uses.csv) dans {0}")]
    NothingToImport(String),
    /// A file cannot be read as CSV.
    #[error("{file} : fichier illisible ({detail}) — rien n'a été importé")]
    Unreadable {
        /// File name.
        file: &'static str,
        /// What the CSV reader said.
        detail: String,
    },
    /// A present file lacks a required column.
    #[error("{file} : colonne obligatoire « {column} » absente — rien n'a été importé")]
    MissingColumn {
        /// File name.
        file: &'static str,
        /// Column name.
        column: String,
    },
    /// A file is missing whose rows another file refers to.
    #[error("{file} absent alors que {needed_by} y fait référence — rien n'a été importé")]
    MissingFile {
        /// The missing file.
        file: &'static str,
        /// The file that refers to it.
        needed_by: &'static str,
    },
    /// The database refused a write.
    #[error("base de données : {0}")]
    Store(#[from] StoreError),
}

const USERS: FileSpec = FileSpec {
    file: "users.csv",
    required: &["user_id", "username", "role"],
    one_of: &["password", "password_hash"],
};
const PRODUCTS: FileSpec = FileSpec {
    file: "products.csv",
    required: &[
        "product_id",
        "sku",
        "name",
        "category",
        "unit_price_fcfa",
        "purchase_price_fcfa",
        "barcode",
    ],
    one_of: &[],
};
const CLIENTS: FileSpec = FileSpec {
    file: "clients.csv",
    required: &[
        "client_id",
        "client_number",
        "phone",
        "last_name",
        "first_name",
        "email",
        "city",
        "birth_date",
        "registered_at",
        "loyalty_tier",
        "loyalty_points",
        "last_visit_at",
    ],
    one_of: &[],
};
const SALES: FileSpec = FileSpec {
    file: "sales.csv",
    required: &[
        "sale_id",
        "ticket_number",
        "cashier_user_id",
        "client_id",
        "created_at",
        "status",
        "subtotal_fcfa",
        "discount_fcfa",
        "total_fcfa",
    ],
    one_of: &[],
};
const SALE_LINES: FileSpec = FileSpec {
    file: "sale_lines.csv",
    required: &[
        "line_id",
        "sale_id",
        "product_id",
        "quantity",
        "unit_price_fcfa",
        "line_total_fcfa",
    ],
    one_of: &[],
};
const PAYMENTS: FileSpec = FileSpec {
    file: "payments.csv",
    required: &["payment_id", "sale_id", "payment_type_code", "amount_fcfa"],
    one_of: &[],
};

const COUPONS: FileSpec = FileSpec {
    file: "coupons.csv",
    // `description` may be absent: a default one is given.
    required: &[
        "coupon_id",
        "code",
        "coupon_type",
        "discount_type",
        "value",
        "valid_from",
        "valid_to",
        "per_client_limit",
        "global_limit",
        "min_purchase_fcfa",
        "required_tier",
        "client_id",
        "status",
    ],
    one_of: &[],
};
const COUPON_USES: FileSpec = FileSpec {
    file: "coupon_uses.csv",
    // Without `client_id` a use goes to the sale's customer; without `used_at` it is
    // dated at the sale.
    required: &["use_id", "coupon_id", "sale_id", "discount_fcfa"],
    one_of: &[],
};

/// Imports the export in `dir` into the database of `state`.
///
/// Returns the report (also when rows were refused); an error means a structural problem
/// (folder, file, column) and that nothing was written.
pub async fn legacy(state: &AppState, dir: &Path) -> Result<Report, ImportError> {
    if !dir.is_dir() {
        return Err(ImportError::NoDirectory(dir.display().to_string()));
    }
    // 1. Read and check every file before writing anything.
    let users = source::read(dir, &USERS)?;
    let products = source::read(dir, &PRODUCTS)?;
    let clients = source::read(dir, &CLIENTS)?;
    let sales = source::read(dir, &SALES)?;
    let lines = source::read(dir, &SALE_LINES)?;
    let payments = source::read(dir, &PAYMENTS)?;
    let coupons = source::read(dir, &COUPONS)?;
    let uses = source::read(dir, &COUPON_USES)?;
    let sheets = [
        &users, &products, &clients, &sales, &lines, &payments, &coupons, &uses,
    ];
    if sheets.iter().all(|s| s.is_none()) {
        return Err(ImportError::NothingToImport(dir.display().to_string()));
    }
    // A file that others refer to may be absent only if an earlier run loaded it.
    let db = &state.db;
    let mut absent = HashMap::new();
    for (needed, entity, by) in [
        (&users, Entity::User, &[&sales][..]),
        (&clients, Entity::Client, &[&sales, &coupons][..]),
        (&products, Entity::Product, &[&lines][..]),
        (&sales, Entity::Sale, &[&lines, &payments, &uses][..]),
        (&coupons, Entity::Coupon, &[&uses][..]),
    ] {
        if needed.is_some() {
            continue;
        }
        let earlier = store::count_known(db, entity).await? > 0;
        if let Some(by) = by.iter().find_map(|s| s.as_ref().filter(|s| s.len > 0)) {
            if !earlier {
                return Err(ImportError::MissingFile {
                    file: spec_of(entity).file,
                    needed_by: by.file,
                });
            }
        }
        absent.insert(
            entity,
            if earlier {
                "non nécessaire : identifiants repris d'un import précédent"
            } else {
                "non nécessaire : aucun autre fichier n'y fait référence"
            },
        );
    }

    // 2. Load, in dependency order. Each file is streamed in batches; what a row refers
    // to (its sale, product, customer…) is looked up in `legacy_ids` batch by batch, so
    // nothing grows with the number of sales.
    let mut report = Report::new(dir);
    let absent_state = |e: Entity| {
        FileState::Absent(
            absent
                .get(&e)
                .copied()
                .unwrap_or("non nécessaire")
                .to_owned(),
        )
    };
    for (sheet, entity) in [
        (&users, Entity::User),
        (&products, Entity::Product),
        (&clients, Entity::Client),
        (&sales, Entity::Sale),
        (&lines, Entity::SaleLine),
        (&payments, Entity::Payment),
        (&coupons, Entity::Coupon),
        (&uses, Entity::CouponUse),
    ] {
        let Some(sheet) = sheet else {
            report
                .files
                .push(FileSummary::new(spec_of(entity).file, absent_state(entity)));
            continue;
        };
        match entity {
            Entity::User => users::import(state, sheet, &mut report).await?,
            Entity::Product => products::import(state, sheet, &mut report).await?,
            Entity::Client => clients::import(state, sheet, &mut report).await?,
            Entity::Sale => sales::import_sales(state, sheet, &mut report).await?,
            Entity::SaleLine => sales::import_lines(state, sheet, &mut report).await?,
            Entity::Payment => sales::import_payments(state, sheet, &mut report).await?,
            Entity::Coupon => coupons::import_coupons(state, sheet, &mut report).await?,
            Entity::CouponUse => coupons::import_uses(state, sheet, &mut report).await?,
        }
    }
    // 3. Customers' spend and purchases, and the cashiers' daily totals ("Mes ventes"),
    // follow the completed sales.
    store::refresh_imported_customers(db).await?;
    if report.imported() > 0 {
        crm_store::sales::rebuild_rollups(db).await?;
        // The planner's statistics must know the new rows before the first search.
        crm_store::demo::refresh_statistics(db).await?;
    }
    // 4. Every imported sale checked against its lines and payments; those that do not
    // agree are named, not corrected.
    if store::count_known(db, Entity::Sale).await? > 0 {
        report.reconciliation = Some(store::reconcile(db, report::UNBALANCED_NAMED).await?);
    }
    Ok(report)
}

fn spec_of(entity: Entity) -> &'static FileSpec {
    match entity {
        Entity::User => &USERS,
        Entity::Product => &PRODUCTS,
        Entity::Client => &CLIENTS,
        Entity::Sale => &SALES,
        Entity::SaleLine => &SALE_LINES,
        Entity::Payment => &PAYMENTS,
        Entity::Coupon => &COUPONS,
        Entity::CouponUse => &COUPON_USES,
    }
}

/// The legacy ids of `entity` among `values` that are imported (by this run or an earlier
/// one), with the id each became: one lookup per batch, instead of a map of every id.
pub(crate) async fn resolve<'v>(
    db: &crm_store::DatabaseConnection,
    entity: Entity,
    values: impl Iterator<Item = &'v str>,
) -> Result<HashMap<String, i64>, ImportError> {
    let values: Vec<String> = values.map(str::to_owned).collect();
    Ok(store::lookup_ids(db, entity, &values).await?)
}

/// The bookkeeping of one file being loaded: counts, refused rows, progress on stderr.
pub(crate) struct FileRun<'r> {
    report: &'r mut Report,
    summary: FileSummary,
    total: u64,
    done: u64,
    tty: bool,
    seen: HashSet<String>,
}

impl<'r> FileRun<'r> {
    pub(crate) fn new(report: &'r mut Report, sheet: &Sheet) -> FileRun<'r> {
        let mut summary = FileSummary::new(sheet.file, FileState::Loaded);
        summary.read = sheet.len;
        FileRun {
            report,
            summary,
            total: sheet.len,
            done: 0,
            tty: std::io::stderr().is_terminal(),
            seen: HashSet::new(),
        }
    }

    /// Refuses a row.
    pub(crate) fn reject(&mut self, line: u64, reason: impl Into<String>) {
        self.summary.rejected += 1;
        self.report.rejected.push(Remark {
            file: self.summary.file,
            line,
            reason: reason.into(),
        });
    }

    /// Loads a row with a warning: something the new system would not have taken as it
    /// is, kept as the old system had it.
    pub(crate) fn warn(&mut self, line: u64, reason: impl Into<String>) {
        self.report.warnings.push(Remark {
            file: self.summary.file,
            line,
            reason: reason.into(),
        });
    }

    /// Notes an adjustment on a loaded row.
    pub(crate) fn note(&mut self, line: u64, reason: impl Into<String>) {
        self.report.notes.push(Remark {
            file: self.summary.file,
            line,
            reason: reason.into(),
        });
    }

    /// Counts a row already imported, or matched to an existing record.
    pub(crate) fn present(&mut self) {
        self.summary.already_present += 1;
    }

    /// Counts rows written, and shows progress.
    pub(crate) fn imported(&mut self, n: usize) {
        self.summary.imported += n as u64;
        self.done += n as u64;
        if self.tty {
            eprint!(
                "\r{} : {}/{} lignes",
                self.summary.file, self.done, self.total
            );
        }
    }

    /// Starts a batch of `rows`: returns which of their ids (column `id_column`) are
    /// already imported, by this run or an earlier one. Duplicate ids are told within a
    /// batch; an id met again in a later batch is found imported, as on a second run.
    pub(crate) async fn start_batch(
        &mut self,
        state: &AppState,
        sheet: &Sheet,
        rows: &[Row],
        id_column: &str,
        entity: Entity,
    ) -> Result<HashMap<String, i64>, ImportError> {
        self.seen.clear();
        let c_id = sheet.required(id_column);
        resolve(&state.db, entity, rows.iter().map(|r| r.get(c_id))).await
    }

    /// The common checks of a row: readable, with an id not seen before in the batch, not
    /// imported already. Returns its legacy id when the row is to be loaded.
    pub(crate) fn admit(
        &mut self,
        sheet: &Sheet,
        row: &Row,
        id_column: &str,
        known: &HashMap<String, i64>,
    ) -> Option<String> {
        if let Err(reason) = sheet.check(row) {
            self.reject(row.line, reason);
            return None;
        }
        let Some(id) = source::text(row.get(sheet.required(id_column))) else {
            self.reject(row.line, format!("{id_column} vide"));
            return None;
        };
        if !self.seen.insert(id.clone()) {
            self.reject(
                row.line,
                format!("{id_column} « {id} » en double dans le fichier"),
            );
            return None;
        }
        if known.contains_key(&id) {
            self.present();
            return None;
        }
        Some(id)
    }

    /// Records the file's counts in the report.
    pub(crate) fn finish(self) {
        let s = &self.summary;
        eprintln!(
            "{}{} : {} lues, {} importées, {} déjà présentes, {} refusées",
            if self.tty { "\r" } else { "" },
            s.file,
            s.read,
            s.imported,
            s.already_present,
            s.rejected
        );
        self.report.files.push(self.summary);
    }
}
