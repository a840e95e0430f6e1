//! CSV downloads, the way every export is written.
//!
//! Written for French Excel, which is what the back office opens them with: `;` between
//! cells (Excel in French reads `,` as the decimal comma), a UTF-8 byte-order mark (without
//! it Excel reads "Koné" as "KonÃ©"), French headers and values, days as `24/11/2026`
//! ([`day`]). Amounts are whole FCFA and rates whole percents, so no number carries a
//! decimal separator.
//!
//! Two dangers, handled here once so that no export can forget them:
//! - **Formula injection.** A spreadsheet opening the file runs a cell that starts like a
//!   formula (`=HYPERLINK(…)`, `+cmd|…`, `-2+3`, `@SUM(…)`; some also after a leading tab
//!   or carriage return). Descriptions and names are typed by people, so every cell goes
//!   through [`neutralise`] (OWASP's advice: a leading apostrophe, which the spreadsheet
//!   shows as text and does not display).
//! - **Memory.** An export of a bulk issue can hold hundreds of thousands of rows: the
//!   body is streamed page by page as the database yields them ([`download`]), so the
//!   server holds one page, never the file.

use actix_web::http::header::{ContentDisposition, DispositionParam, DispositionType};
use actix_web::web::Bytes;
use actix_web::HttpResponse;
use chrono::NaiveDate;
use futures::{Stream, StreamExt, TryStreamExt};
use std::borrow::Cow;

/// The cell separator French Excel expects.
const SEPARATOR: u8 = b';';

/// UTF-8's byte-order mark: tells Excel the file is UTF-8.
const BOM: &[u8] = "\u{feff}".as_bytes();

/// A day as the user reads it: `24/11/2026`.
pub fn day(date: NaiveDate) -> String {
    date.format("%d/%m/%Y").to_string()
}

/// What makes a spreadsheet read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// The cell as text a spreadsheet shows and never evaluates.
pub fn neutralise(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
    }
}

/// Rows as CSV bytes (`;`-separated, RFC 4180 quoting), every cell neutralised.
pub fn encode<Row, Cell>(rows: impl IntoIterator<Item = Row>) -> Result<Bytes, csv::Error>
where
    Row: IntoIterator<Item = Cell>,
    Cell: AsRef<str>,
{
    let mut out = csv::WriterBuilder::new()
        .delimiter(SEPARATOR)
        .from_writer(Vec::new());
    for row in rows {
        out.write_record(
            row.into_iter()
                .map(|cell| neutralise(cell.as_ref()).into_owned()),
        )?;
    }
    out.into_inner()
        .map(Bytes::from)
        .map_err(|e| csv::Error::from(e.into_error()))
}

/// A CSV attachment named `file_name`: the byte-order mark and the `header` row, then the
/// pages of `pages` as they come. A page that fails after the response has started cuts the transfer short
/// (the client sees an incomplete download, never a truncated file passed off as whole).
pub fn download<E>(
    file_name: String,
    header: &[&str],
    pages: impl Stream<Item = Result<Bytes, E>> + 'static,
) -> Result<HttpResponse, csv::Error>
where
    E: std::fmt::Display + 'static,
{
    let header = Bytes::from([BOM, &encode([header])?[..]].concat());
    let body = futures::stream::once(async move { Ok(header) })
        .chain(pages)
        .map_err(|e| {
            tracing::error!(error = %e, "CSV export interrupted");
            std::io::Error::other("export interrompu")
        });
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header(ContentDisposition {
            disposition: DispositionType::Attachment,
            parameters: vec![DispositionParam::Filename(file_name)],
        })
        .streaming(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_quoted_and_plain_text_is_left_alone() {
        for cell in ["=1+1", "+33", "-2+3", "@SUM(A1)", "\t=1", "\r=1"] {
            assert_eq!(neutralise(cell), format!("'{cell}"));
        }
        for cell in ["NOEL2026", "Remise 10 %", "", "a=b", "12"] {
            assert_eq!(neutralise(cell), cell);
        }
    }

    #[test]
    fn encoded_rows_are_neutralised_separated_by_semicolons_and_quoted() {
        let bytes = encode([["=HYPERLINK(\"x\")", "Aya; Koné", "Remise 10,5 %"]]).unwrap();
        assert_eq!(
            &bytes[..],
            "\"'=HYPERLINK(\"\"x\"\")\";\"Aya; Koné\";Remise 10,5 %\n".as_bytes()
        );
    }

    #[test]
    fn days_read_the_french_way() {
        assert_eq!(
            day(NaiveDate::from_ymd_opt(2026, 11, 24).unwrap()),
            "24/11/2026"
        );
    }
}
