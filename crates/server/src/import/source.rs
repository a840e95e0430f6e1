//! Reading the export: one CSV file per table (UTF-8, header row), checked for its
//! columns, and the parsing of the values the old system wrote.

use super::ImportError;
use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone, Utc};
use std::path::Path;

/// A file of the export and the columns it must have.
pub(crate) struct FileSpec {
    /// File name in the export folder.
    pub file: &'static str,
    /// Columns that must all be in the header.
    pub required: &'static [&'static str],
    /// Columns of which at least one must be in the header (empty: no such rule).
    pub one_of: &'static [&'static str],
}

/// A file read whole, before anything is written.
pub(crate) struct Sheet {
    /// File name.
    pub file: &'static str,
    columns: Vec<String>,
    /// Data rows, in file order.
    pub rows: Vec<Row>,
}

/// One data row.
pub(crate) struct Row {
    /// Line of the file where the row starts (the header is line 1).
    pub line: u64,
    /// `None` when the row is not valid UTF-8.
    record: Option<csv::StringRecord>,
}

impl Sheet {
    /// Position of a column (names are compared trimmed and in lower case).
    pub fn column(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c == name)
    }

    /// Position of a column the spec made required.
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

/// Reads `spec.file` from `dir`: `Ok(None)` when the file is absent, an error when it
/// cannot be read or lacks a required column.
pub(crate) fn read(dir: &Path, spec: &FileSpec) -> Result<Option<Sheet>, ImportError> {
    let path = dir.join(spec.file);
    if !path.exists() {
        return Ok(None);
    }
    let unreadable = |detail: String| ImportError::Unreadable {
        file: spec.file,
        detail,
    };
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_path(&path)
        .map_err(|e| unreadable(e.to_string()))?;
    let headers = reader
        .byte_headers()
        .map_err(|e| unreadable(e.to_string()))?;
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
    let mut rows = Vec::new();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                let line = record.position().map_or(0, |p| p.line());
                rows.push(Row {
                    line,
                    record: csv::StringRecord::from_byte_record(record.clone()).ok(),
                });
            }
            Err(e) => return Err(unreadable(e.to_string())),
        }
    }
    Ok(Some(Sheet {
        file: spec.file,
        columns,
        rows,
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
