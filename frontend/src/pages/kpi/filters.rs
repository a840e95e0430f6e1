//! The dashboard's filters — a period and a segment — as the page's URL carries them
//! (`/kpi?period=90d&segment=GOLD`, `/kpi?period=custom&from=2026-03-08&to=2026-03-14`).
//!
//! The URL is the only place they live: a reload, a shared link and the browser's back
//! button give the same view, and the query of the page is the query of `GET /kpis` and
//! of its exports, written in one place ([`Filters::query`]). Plain Rust, host-tested.

use chrono::NaiveDate;
use crm_domain::Level;

use crate::files::FileKind;

/// The periods of the buttons, before « Personnalisée »: today and the days before.
pub const PERIODS: [&str; 5] = ["7d", "30d", "90d", "180d", "365d"];

/// The period shown when the URL names none (the API's own default).
pub const DEFAULT_PERIOD: &str = "30d";

/// Name of the custom period in the URL and in `data-period`.
pub const CUSTOM: &str = "custom";

/// The route of the dashboard.
pub const PATH: &str = "/kpi";

/// The period of the figures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    /// Today and the days before: one of [`PERIODS`].
    Last(&'static str),
    /// From one day to another, both included.
    Custom {
        /// First day.
        from: NaiveDate,
        /// Last day.
        to: NaiveDate,
    },
}

/// What the dashboard shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Filters {
    /// The period.
    pub period: Period,
    /// The level of the customers at the time of the sale; `None` for every sale.
    pub segment: Option<Level>,
}

impl Default for Filters {
    fn default() -> Filters {
        Filters {
            period: Period::Last(DEFAULT_PERIOD),
            segment: None,
        }
    }
}

/// `2026-03-08`, as the API reads a day.
fn iso_day(text: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d").ok()
}

impl Filters {
    /// Reads the filters from the URL's query (`get` gives a parameter's value). A value
    /// the page does not know — a link typed by hand, an old bookmark — falls back to its
    /// default rather than asking the server something it would refuse: an unknown period
    /// or a custom one without two days in order is [`DEFAULT_PERIOD`], an unknown segment
    /// is every sale.
    pub fn from_query(get: impl Fn(&str) -> Option<String>) -> Filters {
        let period = match get("period").as_deref().map(str::trim) {
            Some(CUSTOM) => match (
                get("from").and_then(|f| iso_day(&f)),
                get("to").and_then(|t| iso_day(&t)),
            ) {
                (Some(from), Some(to)) if from <= to => Period::Custom { from, to },
                _ => Period::Last(DEFAULT_PERIOD),
            },
            Some(name) => Period::Last(
                PERIODS
                    .into_iter()
                    .find(|p| *p == name)
                    .unwrap_or(DEFAULT_PERIOD),
            ),
            None => Period::Last(DEFAULT_PERIOD),
        };
        let segment = get("segment").and_then(|s| s.trim().parse::<Level>().ok());
        Filters { period, segment }
    }

    /// The query string, without `?`, of the page, of `GET /kpis` and (after its format) of
    /// the exports: `period=90d&segment=GOLD`.
    pub fn query(&self) -> String {
        let mut q = match self.period {
            Period::Last(name) => format!("period={name}"),
            Period::Custom { from, to } => format!("period={CUSTOM}&from={from}&to={to}"),
        };
        if let Some(level) = self.segment {
            q.push_str("&segment=");
            q.push_str(level.as_str());
        }
        q
    }

    /// The page's URL for these filters.
    pub fn page_url(&self) -> String {
        format!("{PATH}?{}", self.query())
    }

    /// `GET /kpis/export` of the same figures as a file of `kind`.
    pub fn export_path(&self, kind: FileKind) -> String {
        let format = match kind {
            FileKind::Csv => "csv",
            FileKind::Xlsx => "xlsx",
        };
        format!("/kpis/export?format={format}&{}", self.query())
    }

    /// The name of the period's button (`7d`…, `custom`).
    pub fn period_name(&self) -> &'static str {
        match self.period {
            Period::Last(name) => name,
            Period::Custom { .. } => CUSTOM,
        }
    }

    /// The same segment over another period.
    pub fn with_period(self, period: Period) -> Filters {
        Filters { period, ..self }
    }

    /// The same period for another segment.
    pub fn with_segment(self, segment: Option<Level>) -> Filters {
        Filters { segment, ..self }
    }
}

/// The name of a segment's button (`data-segment`): a level, or `ALL`.
pub fn segment_name(segment: Option<Level>) -> &'static str {
    segment.map_or("ALL", Level::as_str)
}

/// The segments of the buttons: every sale, then each level.
pub fn segments() -> [Option<Level>; 5] {
    [
        None,
        Some(Level::Standard),
        Some(Level::Silver),
        Some(Level::Gold),
        Some(Level::Vip),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(query: &str) -> Filters {
        let pairs: Vec<(String, String)> = query
            .split('&')
            .filter_map(|p| p.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        Filters::from_query(|key| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()))
    }

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn the_url_and_the_api_share_one_query() {
        let f = read("period=90d&segment=GOLD");
        assert_eq!(
            f,
            Filters {
                period: Period::Last("90d"),
                segment: Some(Level::Gold)
            }
        );
        assert_eq!(f.query(), "period=90d&segment=GOLD");
        assert_eq!(f.page_url(), "/kpi?period=90d&segment=GOLD");
        assert_eq!(
            f.export_path(FileKind::Csv),
            "/kpis/export?format=csv&period=90d&segment=GOLD"
        );
        assert_eq!(
            f.export_path(FileKind::Xlsx),
            "/kpis/export?format=xlsx&period=90d&segment=GOLD"
        );
        let custom = read("period=custom&from=2026-03-08&to=2026-03-14");
        assert_eq!(
            custom.period,
            Period::Custom {
                from: day(3, 8),
                to: day(3, 14)
            }
        );
        assert_eq!(custom.segment, None);
        assert_eq!(
            custom.query(),
            "period=custom&from=2026-03-08&to=2026-03-14"
        );
        assert_eq!(custom.period_name(), "custom");
        for name in PERIODS {
            let f = read(&format!("period={name}"));
            assert_eq!(read(&f.query()), f, "{name} reads back");
            assert_eq!(f.period_name(), name);
        }
    }

    #[test]
    fn what_the_page_does_not_know_falls_back_to_the_defaults() {
        assert_eq!(read(""), Filters::default());
        assert_eq!(read("").query(), "period=30d");
        assert_eq!(read("period=12d").period, Period::Last("30d"));
        assert_eq!(read("period=custom").period, Period::Last("30d"));
        assert_eq!(
            read("period=custom&from=2026-03-14&to=2026-03-08").period,
            Period::Last("30d"),
            "days in the wrong order"
        );
        assert_eq!(
            read("period=custom&from=08/03/2026&to=2026-03-14").period,
            Period::Last("30d"),
            "the URL carries ISO days"
        );
        assert_eq!(read("segment=PLATINUM").segment, None);
        assert_eq!(read("period=7d&segment=VIP").segment, Some(Level::Vip));
    }

    #[test]
    fn one_filter_changes_and_the_other_stays() {
        let f = read("period=7d&segment=SILVER");
        assert_eq!(
            f.with_period(Period::Last("365d")).query(),
            "period=365d&segment=SILVER"
        );
        assert_eq!(f.with_segment(None).query(), "period=7d");
        assert_eq!(segment_name(None), "ALL");
        assert_eq!(segment_name(Some(Level::Vip)), "VIP");
        assert_eq!(segments().len(), 1 + Level::ALL.len());
    }
}
