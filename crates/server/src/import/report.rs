//! What an import did, file by file: every row it refused with the reason, every row it
//! loaded with a warning, and the reconciliation of the imported sales — printed and
//! written next to the export. Reasons never quote a phone number.

use crm_store::legacy::Reconciliation;
use std::fmt;
use std::path::{Path, PathBuf};

/// Rows named per list (refused, warnings, notes); beyond, they are only counted, so that
/// the report of a huge export stays small in memory.
pub const REMARKS_KEPT: usize = 10_000;

/// Unbalanced sales named in the reconciliation (all of them are counted).
pub const UNBALANCED_NAMED: u64 = 50;

/// The outcome of `crm import legacy`.
#[derive(Debug)]
pub struct Report {
    /// The export folder.
    pub dir: PathBuf,
    /// One entry per known file, in import order.
    pub files: Vec<FileSummary>,
    /// Rows loaded with an adjustment worth knowing (matched to an existing record…).
    pub notes: Remarks,
    /// Rows loaded although the new system would not have taken them as they are (a
    /// barcode that is not EAN-13…): loaded, and worth a look.
    pub warnings: Remarks,
    /// Rows refused, in file order.
    pub rejected: Remarks,
    /// Imported sales whose lines, discounts, total and payments do not agree.
    pub reconciliation: Option<Reconciliation>,
}

/// Remarks of one kind: the first [`REMARKS_KEPT`], and how many more there were.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Remarks {
    kept: Vec<Remark>,
    /// Remarks counted but not kept.
    pub omitted: u64,
}

impl Remarks {
    pub(crate) fn push(&mut self, remark: Remark) {
        if self.kept.len() < REMARKS_KEPT {
            self.kept.push(remark);
        } else {
            self.omitted += 1;
        }
    }

    /// The remarks kept, in file order.
    pub fn iter(&self) -> std::slice::Iter<'_, Remark> {
        self.kept.iter()
    }

    /// How many there were, kept or not.
    pub fn len(&self) -> u64 {
        self.kept.len() as u64 + self.omitted
    }

    /// Whether there were none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn write(&self, f: &mut fmt::Formatter<'_>, title: &str) -> fmt::Result {
        writeln!(f, "{title} ({}) :", self.len())?;
        for r in &self.kept {
            writeln!(f, "{}:{}: {}", r.file, r.line, r.reason)?;
        }
        if self.omitted > 0 {
            writeln!(f, "… et {} autres, non détaillées.", self.omitted)?;
        }
        Ok(())
    }
}

/// Counts of one file.
#[derive(Debug, Clone)]
pub struct FileSummary {
    /// File name.
    pub file: &'static str,
    /// Loaded, absent or ignored.
    pub state: FileState,
    /// Data rows read.
    pub read: u64,
    /// Rows written as new records.
    pub imported: u64,
    /// Rows already imported by an earlier run, or matched to an existing record.
    pub already_present: u64,
    /// Rows refused.
    pub rejected: u64,
}

/// Whether a file was there and what was done with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileState {
    /// Read and loaded.
    Loaded,
    /// Not in the folder; the reason it did not matter.
    Absent(String),
}

/// A row of a file and what happened to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remark {
    /// File name.
    pub file: &'static str,
    /// Line in the file (the header is line 1).
    pub line: u64,
    /// Why, in French.
    pub reason: String,
}

impl FileSummary {
    pub(crate) fn new(file: &'static str, state: FileState) -> FileSummary {
        FileSummary {
            file,
            state,
            read: 0,
            imported: 0,
            already_present: 0,
            rejected: 0,
        }
    }
}

impl Report {
    pub(crate) fn new(dir: &Path) -> Report {
        Report {
            dir: dir.to_path_buf(),
            files: Vec::new(),
            notes: Remarks::default(),
            warnings: Remarks::default(),
            rejected: Remarks::default(),
            reconciliation: None,
        }
    }

    /// The counts of `file` (`clients.csv`).
    pub fn file(&self, file: &str) -> Option<&FileSummary> {
        self.files.iter().find(|f| f.file == file)
    }

    /// New records written, all files together.
    pub fn imported(&self) -> u64 {
        self.files.iter().map(|f| f.imported).sum()
    }

    /// Writes the report as text to `path`.
    pub fn write_to(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_string())
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Import de l'ancien système — {}", self.dir.display())?;
        writeln!(f)?;
        writeln!(
            f,
            "{:<16} {:>9} {:>10} {:>15} {:>9}",
            "fichier", "lues", "importées", "déjà présentes", "refusées"
        )?;
        for s in &self.files {
            match &s.state {
                FileState::Loaded => writeln!(
                    f,
                    "{:<16} {:>9} {:>10} {:>15} {:>9}",
                    s.file, s.read, s.imported, s.already_present, s.rejected
                )?,
                FileState::Absent(why) => writeln!(f, "{:<16} absent : {why}", s.file)?,
            }
        }
        writeln!(f)?;
        let read: u64 = self.files.iter().map(|s| s.read).sum();
        if self.imported() == 0 && read > 0 {
            writeln!(
                f,
                "Rien de nouveau : toutes les lignes valides étaient déjà importées (import déjà fait)."
            )?;
        } else {
            writeln!(f, "{} enregistrements importés.", self.imported())?;
        }
        if !self.warnings.is_empty() {
            writeln!(f)?;
            self.warnings
                .write(f, "Avertissements : lignes importées à vérifier")?;
        }
        if !self.notes.is_empty() {
            writeln!(f)?;
            self.notes.write(f, "Remarques")?;
        }
        writeln!(f)?;
        if self.rejected.is_empty() {
            writeln!(f, "Aucune ligne refusée.")?;
        } else {
            self.rejected.write(f, "Lignes refusées")?;
        }
        if let Some(r) = &self.reconciliation {
            writeln!(f)?;
            write!(
                f,
                "Rapprochement des ventes importées (lignes − remises = total = paiements) : {} vérifiées, ",
                r.checked
            )?;
            if r.unbalanced == 0 {
                writeln!(f, "toutes concordent.")?;
            } else {
                writeln!(
                    f,
                    "{} ne concordent pas (laissées telles quelles) :",
                    r.unbalanced
                )?;
                for s in &r.first {
                    writeln!(
                        f,
                        "vente {} (ticket {}) : lignes {} − remises {} = {}, total {}, paiements {}",
                        s.legacy_id,
                        s.ticket_number,
                        s.lines,
                        s.discount,
                        s.lines - s.discount,
                        s.total,
                        s.paid
                    )?;
                }
                let named = r.first.len() as u64;
                if r.unbalanced > named {
                    writeln!(f, "… et {} autres.", r.unbalanced - named)?;
                }
            }
        }
        Ok(())
    }
}
