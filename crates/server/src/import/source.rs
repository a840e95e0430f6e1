//! Reading the export: one CSV file per table (UTF-8, header row), checked for its
//! columns and read to its end before anything is written, then streamed in batches;
//! and the parsing of the values the old system wrote.

use super::{ImportError, BATCH};
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::fs::File;
use std::path::{Path, PathBuf};

/// A file of the export and the columns it must have.
pub(crate) struct FileSpec {
    /// File name in the export folder.
    pub file: &'static str,
    /// Columns that must all be in the header.
    pub required: &'static [&'static str],
    /// Columns of which at least one must be in the header (empty: no such rule).
    pub one_of: &'static [&'static str],
}

/// A file of the export, its header checked and its rows counted; the rows themselves are
/// read again, [`BATCH`] at a time, while they are loaded ([`Sheet::chunks`]), so that
/// memory does not grow with the size of the export.
pub(crate) struct Sheet {
    /// File name.
    pub file: &'static str,
    path: PathBuf,
    columns: Vec<String>,
    /// Data rows in the file.
    pub len: u64,
}

/// One data row.
pub(crate) struct Row {
    /// Line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// `None` when the row is not valid UTF-8.
    record: Option<csv::StringRecord>,
}

/// The rows of a sheet, read [`BATCH`] at a time.
pub(crate) struct Chunks {
    file: &'static str,
    reader: csv::Reader<File>,
    record: csv::ByteRecord,
}

impl Sheet {
    /// Position of a column (names are compared trimmed and in lower case).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Position of a column the spec made required.
    #[expect(
        clippy::expect_used,
        reason = "`read` refuses a file without its spec's required columns, and each loader \
                  asks only for columns of its own spec (the import tests read every file)"
    )]
    pub fn required(&self, name: &str) -> usize {
        self.column(name)
            .expect("required columns are checked when the file is read")
    }

    /// Why a row cannot be read at all (bad encoding, wrong number of fields).
    pub fn check(&self, row: &Row) -> Result<(), String> {
        match &row.record {
            None => Err("texte non UTF-8".into()),
            Some(r) if r.len() != self.columns.len() => Err(format!(
                "{} champs au lieu de {}",
                r.len(),
                self.columns.len()
            )),
            Some(_) => Ok(()),
        }
    }

    /// Reads the rows from the start of the file.
    pub fn chunks(&self) -> Result<Chunks, ImportError> {
        let mut reader = open(self.file, &self.path)?;
        reader
            .byte_headers()
            .map_err(|e| unreadable(self.file, e))?;
        Ok(Chunks {
            file: self.file,
            reader,
            record: csv::ByteRecord::new(),
        })
    }
}

impl Chunks {
    /// The next [`BATCH`] rows (fewer at the end of the file, `None` after it).
    pub fn next_chunk(&mut self) -> Result<Option<Vec<Row>>, ImportError> {
        let mut rows = Vec::with_capacity(BATCH);
        while rows.len() < BATCH {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => break,
                Ok(true) if is_blank(&self.record) => {}
                Ok(true) => rows.push(Row {
                    line: self.record.position().map_or(0, |p| p.line()),
                    record: csv::StringRecord::from_byte_record(self.record.clone()).ok(),
                }),
                Err(e) => return Err(unreadable(self.file, e)),
            }
        }
        Ok((!rows.is_empty()).then_some(rows))
    }
}

impl Row {
    /// The value of column `index`, trimmed ("" when missing).
    pub fn get(&self, index: usize) -> &str {
        self.record
            .as_ref()
            .and_then(|r| r.get(index))
            .unwrap_or("")
            .trim()
    }

    /// The value of an optional column ("" when the column is absent).
    pub fn opt(&self, index: Option<usize>) -> &str {
        index.map_or("", |i| self.get(i))
    }
}

fn unreadable(file: &'static str, detail: impl ToString) -> ImportError {
    ImportError::Unreadable {
        file,
        detail: detail.to_string(),
    }
}

/// A reader of an export file. Records end at `\n` only: with the CSV reader's default
/// (`\r\n`, `\r` or `\n`), a record of a Windows (`\r\n`) file is taken to start on the
/// line before its own, and the report would name the wrong lines. The `\r` left at the
/// end of a line's last field goes with the trimming of every value.
fn open(file: &'static str, path: &Path) -> Result<csv::Reader<File>, ImportError> {
    csv::ReaderBuilder::new()
        .flexible(true)
        .terminator(csv::Terminator::Any(b'\n'))
        .from_path(path)
        .map_err(|e| unreadable(file, e))
}

/// An empty line of a `\r\n` file (a lone `\r`): skipped, as empty lines are.
fn is_blank(record: &csv::ByteRecord) -> bool {
    record.len() == 1
        && record
            .get(0)
            .is_some_and(|field| field.trim_ascii().is_empty())
}

/// Checks `spec.file` in `dir`: `Ok(None)` when the file is absent, an error when it
/// cannot be read to its end or lacks a required column. Only the header is kept.
pub(crate) fn read(dir: &Path, spec: &FileSpec) -> Result<Option<Sheet>, ImportError> {
    let path = dir.join(spec.file);
    if !path.exists() {
        return Ok(None);
    }
    let mut reader = open(spec.file, &path)?;
    let headers = reader
        .byte_headers()
        .map_err(|e| unreadable(spec.file, e))?;
    let columns: Vec<String> = headers
        .iter()
        .map(|h| {
            String::from_utf8_lossy(h)
                .trim_start_matches('\u{feff}')
                .trim()
                .to_lowercase()
        })
        .collect();
    for column in spec.required {
        if !columns.iter().any(|c| c == column) {
            return Err(ImportError::MissingColumn {
                file: spec.file,
                column: (*column).to_owned(),
            });
        }
    }
    if !spec.one_of.is_empty() && !spec.one_of.iter().any(|w| columns.iter().any(|c| c == w)) {
        return Err(ImportError::MissingColumn {
            file: spec.file,
            column: spec.one_of.join(" » ou « "),
        });
    }
    // Read to the end once, keeping nothing: a file the CSV reader gives up on stops the
    // import before anything is written.
    let mut len = 0;
    let mut record = csv::ByteRecord::new();
    while reader
        .read_byte_record(&mut record)
        .map_err(|e| unreadable(spec.file, e))?
    {
        if !is_blank(&record) {
            len += 1;
        }
    }
    Ok(Some(Sheet {
        file: spec.file,
        path,
        columns,
        len,
    }))
}

/// The value, or `None` when empty.
pub(crate) fn text(value: &str) -> Option<String> {
    let value = value.trim();
    (!value.is_empty()).then(|| value.to_owned())
}

/// A whole number of FCFA, ≥ 0 (`4500`, also `4500.00` as Django exports decimals).
pub fn amount(value: &str, what: &str) -> Result<i64, String> {
    let trimmed = value.trim();
    let whole = match trimmed.split_once('.') {
        Some((int, frac)) if !frac.is_empty() && frac.chars().all(|c| c == '0') => int,
        Some(_) => return Err(format!("{what} non entier « {trimmed} »")),
        None => trimmed,
    };
    match whole.parse::<i64>() {
        Ok(n) if n >= 0 => Ok(n),
        Ok(_) => Err(format!("{what} négatif « {trimmed} »")),
        Err(_) => Err(format!("{what} invalide « {trimmed} »")),
    }
}

/// An ISO-8601 timestamp with its offset; one without offset is read in Africa/Abidjan.
pub fn timestamp(value: &str, what: &str) -> Result<DateTime<Utc>, String> {
    let v = value.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(v) {
        return Ok(t.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z"] {
        if let Ok(t) = DateTime::parse_from_str(v, format) {
            return Ok(t.with_timezone(&Utc));
        }
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"] {
        if let Ok(t) = NaiveDateTime::parse_from_str(v, format) {
            if let Some(t) = chrono_tz::Africa::Abidjan.from_local_datetime(&t).single() {
                return Ok(t.with_timezone(&Utc));
            }
        }
    }
    Err(format!("{what} invalide « {v} » (date ISO-8601 attendue)"))
}

/// A calendar date `YYYY-MM-DD`.
pub fn date(value: &str, what: &str) -> Result<NaiveDate, String> {
    let v = value.trim();
    NaiveDate::parse_from_str(v, "%Y-%m-%d")
        .map_err(|_| format!("{what} invalide « {v} » (AAAA-MM-JJ attendu)"))
}

/// A day of the calendar of Africa/Abidjan: a plain date `YYYY-MM-DD`, or the day an
/// ISO-8601 timestamp falls on there.
pub fn day(value: &str, what: &str) -> Result<NaiveDate, String> {
    let v = value.trim();
    if let Ok(d) = NaiveDate::parse_from_str(v, "%Y-%m-%d") {
        return Ok(d);
    }
    timestamp(v, what)
        .map(|t| t.with_timezone(&chrono_tz::Africa::Abidjan).date_naive())
        .map_err(|_| format!("{what} invalide « {v} » (date AAAA-MM-JJ ou ISO-8601 attendue)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_francs() {
        assert_eq!(amount("4500", "prix"), Ok(4500));
        assert_eq!(amount(" 4500.00 ", "prix"), Ok(4500));
        assert!(amount("4500.50", "prix").is_err());
        assert!(amount("-1", "prix").is_err());
        assert!(amount("4 500", "prix").is_err());
        assert!(amount("", "prix").is_err());
    }

    #[test]
    fn timestamps_keep_their_offset() {
        let t = timestamp("2025-12-31T23:30:00-01:00", "date").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-01-01T00:30:00+00:00");
        assert_eq!(
            timestamp("2025-12-31 23:30:00+0000", "date")
                .unwrap()
                .to_rfc3339(),
            "2025-12-31T23:30:00+00:00"
        );
        assert_eq!(
            timestamp("2025-12-31T23:30:00", "date")
                .unwrap()
                .to_rfc3339(),
            "2025-12-31T23:30:00+00:00"
        );
        assert!(timestamp("31/12/2025", "date").is_err());
    }

    #[test]
    fn days_are_taken_in_abidjan() {
        let d = |v| day(v, "valid_to").map(|d| d.to_string());
        assert_eq!(d("2025-12-31"), Ok("2025-12-31".into()));
        assert_eq!(d("2025-12-31T23:59:59+00:00"), Ok("2025-12-31".into()));
        assert_eq!(d("2025-12-31T23:30:00-01:00"), Ok("2026-01-01".into()));
        assert_eq!(d("2026-01-01T00:30:00+01:00"), Ok("2025-12-31".into()));
        assert!(d("31/12/2025").is_err());
        assert!(d("").is_err());
    }
}
