//! The loyalty pages' rules, plain Rust (host-tested): what "Appliquer" asks for after a
//! simulation, how the report's figures are written, the colours of the levels.

use crm_api_types::loyalty::{Analysis, StartAnalysis};
use crm_domain::loyalty::{AnalysisSummary, MoveKind};

use crate::format::trim_decimal;

/// Moves listed per page.
pub const MOVES_PER_PAGE: u64 = 20;
/// Analyses listed per page.
pub const ANALYSES_PER_PAGE: u64 = 8;

/// The apply run of a simulation: the same options, writing this time.
pub fn apply_request(simulation: &Analysis) -> StartAnalysis {
    StartAnalysis {
        dry_run: false,
        generate_coupons: simulation.generate_coupons,
        // The day the simulation was asked for, as the server recorded it: a run
        // without a day scored at the moment it started, and its apply run scores at its
        // own start too.
        as_of: simulation.as_of_day,
    }
}

/// Customers whose level the run changes (or would change).
pub fn level_changes(summary: &AnalysisSummary) -> i64 {
    summary.promotions + summary.demotions
}

/// `"12.5"` (a percent the API writes with a dot) → `12,5 %`.
pub fn percent(text: &str) -> String {
    format!("{}\u{a0}%", trim_decimal(text))
}

/// `+3`, `−2`, `0`: how a level's count moved.
pub fn difference(before: i64, after: i64) -> String {
    match after - before {
        0 => "0".to_owned(),
        d if d > 0 => format!("+{d}"),
        d => format!("\u{2212}{}", -d),
    }
}

/// A level's colour in the charts (shared with the KPI dashboard).
pub use crate::format::level_color;

/// The string key of a move kind's name.
pub fn kind_key(kind: MoveKind) -> &'static str {
    match kind {
        MoveKind::Promotion => "loyalty.kind.PROMOTION",
        MoveKind::Demotion => "loyalty.kind.DEMOTION",
        MoveKind::Held => "loyalty.kind.HELD",
    }
}

/// The move-kind filter's value (`""` = every kind).
pub fn parse_kind(value: &str) -> Option<MoveKind> {
    value.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate, TimeZone, Utc};
    use crm_domain::job::JobStatus;

    fn analysis(
        as_of: DateTime<Utc>,
        as_of_day: Option<NaiveDate>,
        generate_coupons: bool,
    ) -> Analysis {
        Analysis {
            id: 7,
            status: JobStatus::Succeeded,
            total: 10,
            done: 10,
            progress: 100,
            dry_run: true,
            generate_coupons,
            as_of,
            as_of_day,
            result: None,
            error: None,
            created_at: as_of,
            finished_at: Some(as_of),
        }
    }

    #[test]
    fn applying_a_simulation_keeps_its_options_and_writes() {
        // A store east of UTC: the 29th ends at 22:59:59 UTC, so the day cannot be read
        // back from T's clock; the server gives it.
        let day_end = Utc.with_ymd_and_hms(2026, 11, 29, 22, 59, 59).unwrap();
        let asked = apply_request(&analysis(
            day_end,
            NaiveDate::from_ymd_opt(2026, 11, 29),
            true,
        ));
        assert_eq!(
            asked,
            StartAnalysis {
                dry_run: false,
                generate_coupons: true,
                as_of: NaiveDate::from_ymd_opt(2026, 11, 29),
            }
        );
        let now = Utc.with_ymd_and_hms(2026, 11, 30, 23, 59, 59).unwrap();
        let asked = apply_request(&analysis(now, None, false));
        assert_eq!(
            (asked.dry_run, asked.generate_coupons, asked.as_of),
            (false, false, None),
            "a simulation of now is applied now, even one started at a day's last second"
        );
    }

    #[test]
    fn figures_are_written_the_french_way() {
        assert_eq!(percent("12.5"), "12,5\u{a0}%");
        assert_eq!(percent("40.0"), "40\u{a0}%");
        assert_eq!(percent("0"), "0\u{a0}%");
        assert_eq!(difference(3, 5), "+2");
        assert_eq!(difference(5, 3), "\u{2212}2");
        assert_eq!(difference(4, 4), "0");
    }

    #[test]
    fn the_kind_filter_reads_the_api_names() {
        assert_eq!(parse_kind("DEMOTION"), Some(MoveKind::Demotion));
        assert_eq!(parse_kind(""), None);
        for kind in MoveKind::ALL {
            assert_eq!(parse_kind(kind.as_str()), Some(kind));
        }
    }
}
