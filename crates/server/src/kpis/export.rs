//! The dashboard as files: an .xlsx with one sheet per KPI (typed numbers, percentages
//! and dates) and a CSV of the same tables one after the other (French Excel's way, through
//! `crate::csv_export`). Both are written from [`sheets`], so they hold the same figures
//! as the JSON.

use crate::csv_export;
use actix_web::web::Bytes;
use chrono::NaiveDate;
use crm_api_types::kpis::*;
use crm_domain::Level;
use rust_xlsxwriter::{Format, Workbook, XlsxError};

/// One cell of an exported table.
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    /// A label.
    Text(String),
    /// A count or an amount in FCFA.
    Number(i64),
    /// A rate, as the API sends it.
    Rate(Rate),
    /// A day.
    Day(NaiveDate),
}

/// A table of the export: one sheet of the workbook.
#[derive(Clone, Debug, PartialEq)]
pub struct Sheet {
    /// The sheet's name (31 characters at most, Excel's limit).
    pub name: &'static str,
    /// Its rows; an empty row separates the summary from the series.
    pub rows: Vec<Vec<Cell>>,
}

fn text(s: &str) -> Cell {
    Cell::Text(s.to_owned())
}

fn level_name(level: Option<Level>) -> &'static str {
    match level {
        Some(Level::Standard) => "Standard",
        Some(Level::Silver) => "Silver",
        Some(Level::Gold) => "Gold",
        Some(Level::Vip) => "VIP",
        None => "Anonymes",
    }
}

/// A summary table: measure, this period, the previous one.
fn summary(rows: Vec<(&str, Cell, Cell)>) -> Vec<Vec<Cell>> {
    let mut out = vec![vec![
        text("Mesure"),
        text("Période"),
        text("Période précédente"),
    ]];
    out.extend(
        rows.into_iter()
            .map(|(label, a, b)| vec![text(label), a, b]),
    );
    out.push(Vec::new());
    out
}

/// The tables of the export, one per KPI, then the top coupons, the segments and the
/// targets.
pub fn sheets(d: &KpiDashboard) -> Vec<Sheet> {
    use Cell::{Day, Number as N, Rate as R};
    let p = &d.period;
    let period = vec![
        vec![text(""), text("Période"), text("Période précédente")],
        vec![text("Du"), Day(p.first_day), Day(p.previous_first_day)],
        vec![text("Au"), Day(p.last_day), Day(p.previous_last_day)],
        vec![text("Jours"), N(p.days.into()), N(p.days.into())],
        vec![
            text("Segment"),
            text(d.segment.map_or("Tous", |l| level_name(Some(l)))),
        ],
    ];

    let id = &d.identification;
    let mut identification = summary(vec![
        (
            "Taux d’identification",
            R(id.current.clone()),
            R(id.previous.clone()),
        ),
        (
            "Ventes identifiées",
            N(id.current.numerator),
            N(id.previous.numerator),
        ),
        (
            "Ventes",
            N(id.current.denominator),
            N(id.previous.denominator),
        ),
    ]);
    identification.push(vec![
        text("Date"),
        text("Taux"),
        text("Ventes identifiées"),
        text("Ventes"),
    ]);
    identification.extend(id.series.iter().map(|pt| {
        vec![
            Day(pt.date),
            R(pt.rate.clone()),
            N(pt.rate.numerator),
            N(pt.rate.denominator),
        ]
    }));

    let base = &d.customer_base;
    let (c, b) = (&base.current, &base.previous);
    let mut customers = summary(vec![
        ("Clients", N(c.total), N(b.total)),
        ("Standard", N(c.levels.standard), N(b.levels.standard)),
        ("Silver", N(c.levels.silver), N(b.levels.silver)),
        ("Gold", N(c.levels.gold), N(b.levels.gold)),
        ("VIP", N(c.levels.vip), N(b.levels.vip)),
        ("Clients fidèles", N(c.loyal), N(b.loyal)),
        ("Nouveaux clients", N(c.new_customers), N(b.new_customers)),
    ]);
    customers.push(
        [
            "Date",
            "Standard",
            "Silver",
            "Gold",
            "VIP",
            "Nouveaux clients",
        ]
        .map(text)
        .to_vec(),
    );
    customers.extend(base.series.iter().map(|pt| {
        vec![
            Day(pt.date),
            N(pt.levels.standard),
            N(pt.levels.silver),
            N(pt.levels.gold),
            N(pt.levels.vip),
            N(pt.new_customers),
        ]
    }));

    let k = &d.coupons;
    let (c, b) = (&k.current, &k.previous);
    let mut coupons = summary(vec![
        ("Taux d’utilisation", R(c.rate.clone()), R(b.rate.clone())),
        ("Coupons utilisés", N(c.rate.numerator), N(b.rate.numerator)),
        (
            "Coupons actifs",
            N(c.rate.denominator),
            N(b.rate.denominator),
        ),
        ("Taux GENERIC", R(c.generic.clone()), R(b.generic.clone())),
        ("Taux SPECIAL", R(c.special.clone()), R(b.special.clone())),
        ("Utilisations", N(c.redemptions), N(b.redemptions)),
        ("Remise coupons (FCFA)", N(c.discount), N(b.discount)),
    ]);
    coupons.push(["Date", "Utilisations", "Remise (FCFA)"].map(text).to_vec());
    coupons.extend(
        k.series
            .iter()
            .map(|pt| vec![Day(pt.date), N(pt.redemptions), N(pt.discount)]),
    );

    let r = &d.discounts;
    let (c, b) = (&r.current, &r.previous);
    let mut discounts = summary(vec![
        ("Ventes", N(c.sales), N(b.sales)),
        ("CA brut (FCFA)", N(c.gross_revenue), N(b.gross_revenue)),
        (
            "Remises fidélité (FCFA)",
            N(c.loyalty_discounts),
            N(b.loyalty_discounts),
        ),
        (
            "Remises coupons (FCFA)",
            N(c.coupon_discounts),
            N(b.coupon_discounts),
        ),
        ("CA net (FCFA)", N(c.net_revenue), N(b.net_revenue)),
        (
            "Taux de remise",
            R(c.discount_rate.clone()),
            R(b.discount_rate.clone()),
        ),
        ("Coût des ventes (FCFA)", N(c.cost), N(b.cost)),
        (
            "Marge brute avant remises (FCFA)",
            N(c.margin_before_discounts),
            N(b.margin_before_discounts),
        ),
        (
            "Marge brute après remises (FCFA)",
            N(c.margin_after_discounts),
            N(b.margin_after_discounts),
        ),
        (
            "Taux de marge",
            R(c.margin_rate.clone()),
            R(b.margin_rate.clone()),
        ),
    ]);
    discounts.push(
        ["Date", "CA brut", "Remises", "CA net", "Marge"]
            .map(text)
            .to_vec(),
    );
    discounts.extend(r.series.iter().map(|pt| {
        vec![
            Day(pt.date),
            N(pt.gross_revenue),
            N(pt.discounts),
            N(pt.net_revenue),
            N(pt.margin),
        ]
    }));

    let t = &d.retention;
    let (c, b) = (&t.current, &t.previous);
    let mut retention = summary(vec![
        (
            "Taux de rétention",
            R(c.retention.clone()),
            R(b.retention.clone()),
        ),
        ("Attrition", R(c.churn.clone()), R(b.churn.clone())),
        (
            "Clients actifs avant",
            N(c.retention.denominator),
            N(b.retention.denominator),
        ),
        (
            "Clients revenus",
            N(c.retention.numerator),
            N(b.retention.numerator),
        ),
    ]);
    retention.push(
        ["Date", "Rétention", "Revenus", "Actifs avant"]
            .map(text)
            .to_vec(),
    );
    retention.extend(t.series.iter().map(|pt| {
        vec![
            Day(pt.date),
            R(pt.retention.clone()),
            N(pt.retention.numerator),
            N(pt.retention.denominator),
        ]
    }));

    let f = &d.frequency;
    let mut frequency = vec![[
        "Segment",
        "Ventes",
        "CA (FCFA)",
        "Clients",
        "Fréquence",
        "Panier moyen (FCFA)",
        "Période",
    ]
    .map(text)
    .to_vec()];
    for (label, figures) in [("Période", &f.current), ("Période précédente", &f.previous)] {
        let groups = figures
            .levels
            .iter()
            .map(|l| (level_name(Some(l.level)), &l.figures))
            .chain([
                ("Identifiés", &figures.identified),
                ("Anonymes", &figures.anonymous),
            ]);
        frequency.extend(groups.map(|(name, b)| {
            vec![
                text(name),
                N(b.sales),
                N(b.revenue),
                N(b.customers),
                R(b.frequency.clone()),
                N(b.average_basket),
                text(label),
            ]
        }));
    }
    frequency.push(Vec::new());
    frequency.push(["Date", "Ventes", "Panier moyen (FCFA)"].map(text).to_vec());
    frequency.extend(
        f.series
            .iter()
            .map(|pt| vec![Day(pt.date), N(pt.sales), N(pt.average_basket)]),
    );

    let mut top = vec![["Code", "Type", "Utilisations", "Remise (FCFA)"]
        .map(text)
        .to_vec()];
    top.extend(d.top_coupons.iter().map(|c| {
        vec![
            text(&c.code),
            text(match c.kind {
                crm_domain::coupon::CouponKind::Generic => "GENERIC",
                crm_domain::coupon::CouponKind::Special => "SPECIAL",
            }),
            N(c.uses),
            N(c.discount),
        ]
    }));

    let mut segments = vec![[
        "Segment",
        "Ventes",
        "CA (FCFA)",
        "Part",
        "CA période précédente (FCFA)",
    ]
    .map(text)
    .to_vec()];
    segments.extend(d.revenue_by_segment.iter().map(|s| {
        vec![
            text(level_name(s.level)),
            N(s.sales),
            N(s.revenue),
            R(s.share.clone()),
            N(s.previous_revenue),
        ]
    }));

    let mut targets = vec![["Objectif", "Seuil", "Valeur", "Atteint"]
        .map(text)
        .to_vec()];
    targets.extend(d.targets.iter().map(|t| {
        let name = match t.target {
            crm_domain::kpi::Target::Identification => "Taux d’identification",
            crm_domain::kpi::Target::LoyalCustomers => "Clients fidèles",
            crm_domain::kpi::Target::CouponUse => "Taux d’utilisation des coupons",
            crm_domain::kpi::Target::Retention => "Taux de rétention",
        };
        vec![
            text(name),
            text(&format!(
                "{} {}",
                t.comparison.replace(">=", "≥"),
                t.threshold
            )),
            text(&t.value),
            text(if t.met { "oui" } else { "non" }),
        ]
    }));

    vec![
        Sheet {
            name: "Période",
            rows: period,
        },
        Sheet {
            name: "Identification",
            rows: identification,
        },
        Sheet {
            name: "Clientèle",
            rows: customers,
        },
        Sheet {
            name: "Coupons",
            rows: coupons,
        },
        Sheet {
            name: "Remises et marge",
            rows: discounts,
        },
        Sheet {
            name: "Rétention",
            rows: retention,
        },
        Sheet {
            name: "Fréquence et panier",
            rows: frequency,
        },
        Sheet {
            name: "Top coupons",
            rows: top,
        },
        Sheet {
            name: "Segments",
            rows: segments,
        },
        Sheet {
            name: "Objectifs",
            rows: targets,
        },
    ]
}

/// The widest row of the CSV: the sheet's name and 7 cells.
const CSV_WIDTH: usize = 8;

/// The CSV: every table's rows, each starting with its sheet's name; rates in percent
/// with a decimal comma (`72,34`), days as `jj/mm/aaaa`.
pub fn csv(d: &KpiDashboard) -> Result<Bytes, csv::Error> {
    let rows = sheets(d).into_iter().flat_map(|sheet| {
        sheet
            .rows
            .into_iter()
            .filter(|row| !row.is_empty())
            .map(move |row| {
                let mut cells: Vec<String> = std::iter::once(sheet.name.to_owned())
                    .chain(row.iter().map(|cell| match cell {
                        Cell::Text(s) => s.clone(),
                        Cell::Number(n) => n.to_string(),
                        Cell::Rate(rate) => percent(rate),
                        Cell::Day(day) => csv_export::day(*day),
                    }))
                    .collect();
                cells.resize(CSV_WIDTH, String::new());
                cells
            })
    });
    csv_export::encode(rows)
}

/// The CSV's header row.
pub const CSV_HEADER: [&str; CSV_WIDTH] = ["Feuille", "A", "B", "C", "D", "E", "F", "G"];

/// A rate in percent with 2 decimals and a decimal comma: `"0.7234"` → `72,34`.
fn percent(rate: &Rate) -> String {
    let value: rust_decimal::Decimal = rate.value.parse().unwrap_or_default();
    let mut pct = value * rust_decimal::Decimal::from(100);
    pct.rescale(2);
    pct.to_string().replace('.', ",")
}

/// The workbook: one sheet per table; counts and amounts as numbers, rates as
/// percentages (the cell holds the 4-place value the API sends), days as dates.
pub fn xlsx(d: &KpiDashboard) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let amount = Format::new().set_num_format("# ##0");
    let rate = Format::new().set_num_format("0.00%");
    let day = Format::new().set_num_format("dd/mm/yyyy");
    for sheet in sheets(d) {
        let ws = book.add_worksheet();
        ws.set_name(sheet.name)?;
        ws.set_column_width(0, 34)?;
        for (r, row) in sheet.rows.iter().enumerate() {
            let r = u32::try_from(r).map_err(|_| XlsxError::RowColumnLimitError)?;
            for (c, cell) in row.iter().enumerate() {
                let c = u16::try_from(c).map_err(|_| XlsxError::RowColumnLimitError)?;
                match cell {
                    Cell::Text(s) if r == 0 || c == 0 => {
                        ws.write_string_with_format(r, c, s, &bold)?
                    }
                    Cell::Text(s) => ws.write_string(r, c, s)?,
                    // Exact: FCFA amounts are far below 2^53.
                    Cell::Number(n) => ws.write_number_with_format(r, c, *n as f64, &amount)?,
                    Cell::Rate(value) => ws.write_number_with_format(
                        r,
                        c,
                        value.value.parse::<f64>().unwrap_or(0.0),
                        &rate,
                    )?,
                    Cell::Day(date) => ws.write_date_with_format(r, c, date, &day)?,
                };
            }
        }
    }
    book.save_to_buffer()
}
