//! What an import did, file by file, and every row it refused with the reason — printed
//! and written next to the export. Reasons never quote a phone number.

use std::fmt;
use std::path::{Path, PathBuf};

/// The outcome of `crm import legacy`.
#[derive(Debug)]
pub struct Report {
    /// The export folder.
    pub dir: PathBuf,
    /// One entry per known file, in import order.
    pub files: Vec<FileSummary>,
    /// Rows loaded with an adjustment worth knowing (matched to an existing record…).
    pub notes: Vec<Remark>,
    /// Rows refused, in file order.
    pub rejected: Vec<Remark>,
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
            notes: Vec::new(),
            rejected: Vec::new(),
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
        if !self.notes.is_empty() {
            writeln!(f)?;
            writeln!(f, "Remarques ({}) :", self.notes.len())?;
            for n in &self.notes {
                writeln!(f, "{}:{}: {}", n.file, n.line, n.reason)?;
            }
        }
        writeln!(f)?;
        if self.rejected.is_empty() {
            writeln!(f, "Aucune ligne refusée.")?;
        } else {
            writeln!(f, "Lignes refusées ({}) :", self.rejected.len())?;
            for r in &self.rejected {
                writeln!(f, "{}:{}: {}", r.file, r.line, r.reason)?;
            }
        }
        Ok(())
    }
}
