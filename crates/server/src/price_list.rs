//! A price list as the buyers keep it in French Excel: one product a line,
//! `code-barres;prix[;coût]`, `;`-separated, UTF-8 with or without a byte-order mark,
//! an optional header line, amounts in whole FCFA that may be written `4 750` (spaces or
//! no-break spaces between thousands) or `4750,00`. Parsing is separate from the
//! catalogue so that it is host-tested on its own; `routes::products::price_list`
//! compares the lines with the catalogue and writes them (or only reports them).

use std::collections::HashMap;

/// The highest price or cost accepted (the product form's bound too).
pub const MAX_AMOUNT: i64 = 100_000_000;

/// A line that names a product and its new figures.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceLine {
    /// Line of the file, from 1 (the header, when there is one, is line 1).
    pub line: u64,
    /// EAN-13.
    pub barcode: String,
    /// New price TTC, FCFA.
    pub price: i64,
    /// New cost, FCFA (`None`: the column is absent or empty, the cost stays).
    pub cost: Option<i64>,
}

/// A line that cannot be read, and why (French).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadLine {
    /// Line of the file.
    pub line: u64,
    /// The barcode cell as written.
    pub barcode: String,
    /// Why.
    pub reason: String,
}

/// The lines of a price list.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PriceList {
    /// Lines read.
    pub lines: Vec<PriceLine>,
    /// Lines refused.
    pub invalid: Vec<BadLine>,
}

/// The file is not text, or holds no product line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Unreadable;

/// A whole amount of FCFA as a French spreadsheet writes it, or `None`.
pub fn amount(cell: &str) -> Option<i64> {
    crm_domain::money::parse_francs(cell)
}

/// Reads a price list. Every line is accounted for: read, or refused with its reason.
pub fn parse(bytes: &[u8]) -> Result<PriceList, Unreadable> {
    let text = std::str::from_utf8(bytes).map_err(|_| Unreadable)?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut list = PriceList::default();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut first = true;
    for (index, raw) in text.lines().enumerate() {
        let line = u64::try_from(index).map_or(u64::MAX, |i| i.saturating_add(1));
        if raw.trim().is_empty() {
            continue;
        }
        let cells: Vec<String> = raw
            .split(';')
            .map(|c| c.trim().trim_matches('"').trim().to_owned())
            .collect();
        let barcode = cells.first().cloned().unwrap_or_default();
        let header = first && !barcode.bytes().any(|b| b.is_ascii_digit());
        first = false;
        if header {
            continue;
        }
        let mut refuse = |reason: String| {
            list.invalid.push(BadLine {
                line,
                barcode: barcode.clone(),
                reason,
            });
        };
        if !crm_domain::barcode::is_ean13(&barcode) {
            refuse(format!(
                "Code-barres invalide « {barcode} » : 13 chiffres avec une clé de contrôle juste."
            ));
            continue;
        }
        let price_cell = cells.get(1).map(String::as_str).unwrap_or("");
        let Some(price) = amount(price_cell).filter(|p| (1..=MAX_AMOUNT).contains(p)) else {
            refuse(format!(
                "Prix invalide « {price_cell} » : un nombre entier de FCFA, supérieur à 0."
            ));
            continue;
        };
        let cost = match cells.get(2).map(String::as_str).filter(|c| !c.is_empty()) {
            None => None,
            Some(cell) => match amount(cell).filter(|c| (0..=MAX_AMOUNT).contains(c)) {
                Some(cost) => Some(cost),
                None => {
                    refuse(format!(
                        "Coût invalide « {cell} » : un nombre entier de FCFA, 0 ou plus."
                    ));
                    continue;
                }
            },
        };
        if cells.len() > 3 && cells.iter().skip(3).any(|c| !c.is_empty()) {
            refuse("Trop de colonnes : code-barres;prix;coût au plus.".to_owned());
            continue;
        }
        if let Some(earlier) = seen.get(&barcode) {
            refuse(format!("Code-barres déjà présent ligne {earlier}."));
            continue;
        }
        seen.insert(barcode.clone(), line);
        list.lines.push(PriceLine {
            line,
            barcode,
            price,
            cost,
        });
    }
    if list.lines.is_empty() && list.invalid.is_empty() {
        return Err(Unreadable);
    }
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RICE: &str = "6191000000016";
    const WATER: &str = "6191000000078";

    #[test]
    fn amounts_as_french_excel_writes_them() {
        assert_eq!(amount("4750"), Some(4750));
        assert_eq!(amount("4 750"), Some(4750));
        assert_eq!(amount("4\u{202f}750 FCFA"), Some(4750));
        assert_eq!(amount("4750,00"), Some(4750));
        assert_eq!(amount("12,5"), None);
        assert_eq!(amount("-3"), None);
        assert_eq!(amount(""), None);
        assert_eq!(amount("1e3"), None);
        assert_eq!(amount("9999999999999"), None);
    }

    #[test]
    fn reads_a_file_with_bom_header_and_crlf() {
        let file =
            format!("\u{feff}code-barres;prix;coût\r\n{RICE};4 750;3 600\r\n\r\n{WATER};500\r\n");
        let list = parse(file.as_bytes()).unwrap();
        assert!(list.invalid.is_empty(), "{:?}", list.invalid);
        assert_eq!(
            list.lines,
            vec![
                PriceLine {
                    line: 2,
                    barcode: RICE.into(),
                    price: 4750,
                    cost: Some(3600)
                },
                PriceLine {
                    line: 4,
                    barcode: WATER.into(),
                    price: 500,
                    cost: None
                },
            ]
        );
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        let file = format!("{RICE};0\n6191000000017;100\n{WATER};12,5\n{WATER};300;-1\n{RICE};900\n{WATER};800;700\n{WATER};1\n");
        let list = parse(file.as_bytes()).unwrap();
        let lines: Vec<u64> = list.invalid.iter().map(|b| b.line).collect();
        assert_eq!(lines, vec![1, 2, 3, 4, 7]);
        assert!(list.invalid[1].reason.contains("Code-barres invalide"));
        assert!(list.invalid[4].reason.contains("ligne 6"));
        assert_eq!(list.lines.len(), 2);
    }

    #[test]
    fn an_empty_or_binary_file_is_unreadable() {
        assert_eq!(parse(b""), Err(Unreadable));
        assert_eq!(parse("code-barres;prix\n".as_bytes()), Err(Unreadable));
        assert_eq!(parse(&[0xff, 0xfe, 0x00]), Err(Unreadable));
    }
}
