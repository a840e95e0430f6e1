//! Reporting periods of the cashier's history ("Mes ventes", SPEC §2) and of the KPIs:
//! whole days in the store's time zone, turned into a UTC range to query.

use crate::codes;
use crate::kpi::{Granularity, MAX_DAILY_DAYS};
use chrono::{DateTime, Datelike, Days, LocalResult, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use std::fmt;
use std::str::FromStr;

/// The longest custom period, in days (a leap year).
pub const MAX_CUSTOM_DAYS: u32 = 366;

/// A reporting period, relative to "today" in the store's time zone.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Period {
    /// Today.
    Today,
    /// Monday to Sunday of the current week.
    Week,
    /// From the 1st of the current month to today.
    Month,
    /// Today and the 6 days before.
    Last7Days,
    /// Today and the 29 days before.
    Last30Days,
    /// Today and the 89 days before (KPIs only).
    Last90Days,
    /// Today and the 179 days before (KPIs only).
    Last180Days,
    /// Today and the 364 days before (KPIs only).
    Last365Days,
    /// Whole days `from..=to`, built with [`Period::custom`].
    Custom {
        /// First day, included.
        from: NaiveDate,
        /// Last day, included.
        to: NaiveDate,
    },
}

/// Why a period cannot be built; `code()` is always `period.invalid`.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not one of `today|week|month|7d|30d|custom`.
    #[error("Période inconnue « {0} » (attendu : today, week, month, 7d, 30d ou custom).")]
    Unknown(String),
    /// `custom` without both dates.
    #[error("Une période personnalisée demande une date de début et une date de fin.")]
    MissingDates,
    /// Dates given with a period that is not `custom`.
    #[error("Les dates ne s'utilisent qu'avec une période personnalisée (custom).")]
    UnexpectedDates,
    /// Not one of the KPI periods `7d|30d|90d|180d|365d|custom`.
    #[error("Période inconnue « {0} » (attendu : 7d, 30d, 90d, 180d, 365d ou custom).")]
    UnknownForKpis(String),
    /// `from` after `to`.
    #[error("La date de début ({from}) est postérieure à la date de fin ({to}).")]
    Reversed {
        /// First day given.
        from: NaiveDate,
        /// Last day given.
        to: NaiveDate,
    },
    /// More than [`MAX_CUSTOM_DAYS`] days.
    #[error("La période couvre {days} jours ; 366 au plus.")]
    TooLong {
        /// Number of days asked for.
        days: i64,
    },
}

impl PeriodError {
    /// The stable code of every period error.
    pub fn code(&self) -> &'static str {
        codes::PERIOD_INVALID
    }
}

/// A resolved period: `[start_utc, end_utc)` and its local days, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PeriodRange {
    /// Start of the first day in the store's time zone, in UTC (included).
    pub start_utc: DateTime<Utc>,
    /// Start of the day after the last day, in UTC (excluded).
    pub end_utc: DateTime<Utc>,
    /// Every local day of the period, first to last (at least one).
    pub days: Vec<NaiveDate>,
}

impl Period {
    /// A custom period of whole days, `from` ≤ `to`, at most 366 days.
    pub fn custom(from: NaiveDate, to: NaiveDate) -> Result<Period, PeriodError> {
        if from > to {
            return Err(PeriodError::Reversed { from, to });
        }
        let days = (to - from).num_days() + 1;
        if days > i64::from(MAX_CUSTOM_DAYS) {
            return Err(PeriodError::TooLong { days });
        }
        Ok(Period::Custom { from, to })
    }

    /// Reads a query: `kind` is `today|week|month|7d|30d|custom` (case and spaces
    /// ignored); `from`/`to` are required with `custom` and refused otherwise.
    pub fn parse(
        kind: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Period, PeriodError> {
        let kind = kind.trim().to_ascii_lowercase();
        if kind == "custom" {
            return match (from, to) {
                (Some(from), Some(to)) => Period::custom(from, to),
                _ => Err(PeriodError::MissingDates),
            };
        }
        let period = kind.parse::<Period>()?;
        if from.is_some() || to.is_some() {
            return Err(PeriodError::UnexpectedDates);
        }
        Ok(period)
    }

    /// Reads a KPI query (SPEC §5): `kind` is `7d|30d|90d|180d|365d|custom` (case and
    /// spaces ignored); `from`/`to` as in [`Period::parse`]. The calendar periods of
    /// "Mes ventes" (`today`, `week`, `month`) are not KPI periods, and the sales history
    /// keeps refusing the long rolling ones.
    pub fn parse_for_kpis(
        kind: &str,
        from: Option<NaiveDate>,
        to: Option<NaiveDate>,
    ) -> Result<Period, PeriodError> {
        let name = kind.trim().to_ascii_lowercase();
        let period = match name.as_str() {
            "custom" => return Period::parse(&name, from, to),
            "7d" => Period::Last7Days,
            "30d" => Period::Last30Days,
            "90d" => Period::Last90Days,
            "180d" => Period::Last180Days,
            "365d" => Period::Last365Days,
            _ => return Err(PeriodError::UnknownForKpis(kind.trim().to_owned())),
        };
        if from.is_some() || to.is_some() {
            return Err(PeriodError::UnexpectedDates);
        }
        Ok(period)
    }

    /// The query name: `today`, `week`, `month`, `7d`, `30d`, `90d`, `180d`, `365d` or
    /// `custom`.
    pub fn as_str(self) -> &'static str {
        match self {
            Period::Today => "today",
            Period::Week => "week",
            Period::Month => "month",
            Period::Last7Days => "7d",
            Period::Last30Days => "30d",
            Period::Last90Days => "90d",
            Period::Last180Days => "180d",
            Period::Last365Days => "365d",
            Period::Custom { .. } => "custom",
        }
    }

    /// First and last local day of the period when today is `today`.
    pub fn local_days(self, today: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Period::Today => (today, today),
            Period::Week => {
                let monday = today - Days::new(u64::from(today.weekday().num_days_from_monday()));
                (monday, monday + Days::new(6))
            }
            Period::Month => (today.with_day(1).unwrap_or(today), today),
            Period::Last7Days => (today - Days::new(6), today),
            Period::Last30Days => (today - Days::new(29), today),
            Period::Last90Days => (today - Days::new(89), today),
            Period::Last180Days => (today - Days::new(179), today),
            Period::Last365Days => (today - Days::new(364), today),
            Period::Custom { from, to } => (from, to),
        }
    }

    /// The period at instant `now`, in whole days of the time zone `tz`.
    pub fn range(self, now: DateTime<Utc>, tz: Tz) -> PeriodRange {
        let today = now.with_timezone(&tz).date_naive();
        let (first, last) = self.local_days(today);
        PeriodRange::from_days(first, last, tz)
    }

    /// The range of the same number of days just before this period, at `now` in `tz`
    /// (for comparing KPIs with the previous period).
    pub fn previous(self, now: DateTime<Utc>, tz: Tz) -> PeriodRange {
        self.range(now, tz).previous(tz)
    }
}

impl FromStr for Period {
    type Err = PeriodError;
    /// Reads the sales-history names `today|week|month|7d|30d`; `custom` needs dates,
    /// see [`Period::parse`]; the KPI names are read by [`Period::parse_for_kpis`].
    fn from_str(s: &str) -> Result<Period, PeriodError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "today" => Ok(Period::Today),
            "week" => Ok(Period::Week),
            "month" => Ok(Period::Month),
            "7d" => Ok(Period::Last7Days),
            "30d" => Ok(Period::Last30Days),
            "custom" => Err(PeriodError::MissingDates),
            _ => Err(PeriodError::Unknown(s.trim().to_owned())),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Custom { from, to } => write!(f, "custom {from}..={to}"),
            other => f.write_str(other.as_str()),
        }
    }
}

impl PeriodRange {
    /// The range of the local days `first..=last` (`first` ≤ `last`) in `tz`.
    pub fn from_days(first: NaiveDate, last: NaiveDate, tz: Tz) -> PeriodRange {
        let days: Vec<NaiveDate> = first.iter_days().take_while(|d| *d <= last).collect();
        let after = last.succ_opt().unwrap_or(last);
        PeriodRange {
            start_utc: start_of_day(first, tz),
            end_utc: start_of_day(after, tz),
            days,
        }
    }

    /// Number of days in the range.
    pub fn len_days(&self) -> usize {
        self.days.len()
    }

    /// First local day.
    #[expect(
        clippy::expect_used,
        reason = "a range holds at least one day: every constructor passes first ≤ last"
    )]
    pub fn first_day(&self) -> NaiveDate {
        *self.days.first().expect("a period has at least one day")
    }

    /// Last local day.
    #[expect(
        clippy::expect_used,
        reason = "a range holds at least one day: every constructor passes first ≤ last"
    )]
    pub fn last_day(&self) -> NaiveDate {
        *self.days.last().expect("a period has at least one day")
    }

    /// The same number of days just before this range, in `tz`.
    pub fn previous(&self, tz: Tz) -> PeriodRange {
        let n = self.days.len() as u64;
        let last = self.first_day() - Days::new(1);
        let first = self.first_day() - Days::new(n);
        PeriodRange::from_days(first, last, tz)
    }

    /// How a KPI series of this range is cut: by day up to [`MAX_DAILY_DAYS`] days, by
    /// week beyond (a year of daily points is unreadable on a card).
    pub fn granularity(&self) -> Granularity {
        if self.days.len() > MAX_DAILY_DAYS {
            Granularity::Week
        } else {
            Granularity::Day
        }
    }

    /// The buckets of a series over this range, oldest first, as (first day, last day):
    /// single days, or weeks of 7 days counted back from the last day — so the latest
    /// point is always a whole week and only the oldest may be shorter (1 day of a
    /// 365-day period).
    pub fn buckets(&self, granularity: Granularity) -> Vec<(NaiveDate, NaiveDate)> {
        let step = granularity.days();
        let mut buckets: Vec<(NaiveDate, NaiveDate)> = self
            .days
            .rchunks(step)
            .filter_map(|chunk| Some((*chunk.first()?, *chunk.last()?)))
            .collect();
        buckets.reverse();
        buckets
    }

    /// Whether `instant` falls in `[start_utc, end_utc)`.
    pub fn contains(&self, instant: DateTime<Utc>) -> bool {
        self.start_utc <= instant && instant < self.end_utc
    }
}

/// The first instant of the local day `date` in `tz`, in UTC (if midnight does not exist
/// because of a DST jump, the first local time that does).
pub fn start_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let midnight = date.and_time(NaiveTime::MIN);
    for minutes in (0..=180).step_by(15) {
        let local = midnight + chrono::Duration::minutes(minutes);
        match tz.from_local_datetime(&local) {
            LocalResult::Single(t) | LocalResult::Ambiguous(t, _) => {
                return t.with_timezone(&Utc);
            }
            LocalResult::None => {}
        }
    }
    midnight.and_utc()
}

/// The last instant of the local day `date` in `tz`, in UTC, to the microsecond (what
/// PostgreSQL keeps): a loyalty analysis "as of" a day sees every sale of that day.
pub fn end_of_day(date: NaiveDate, tz: Tz) -> DateTime<Utc> {
    let next = date.succ_opt().unwrap_or(date);
    start_of_day(next, tz) - chrono::Duration::microseconds(1)
}

/// The trading day of a store: the calendar date at its till, in its time zone. Coupon
/// validity, the quote, the sale's day and a cashier's "today" all read it the same way,
/// so a quote and the sale that follows can never disagree about the day near midnight.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct BusinessDate(NaiveDate);

impl BusinessDate {
    /// The store's day at `instant`.
    pub fn at(instant: DateTime<Utc>, tz: Tz) -> BusinessDate {
        BusinessDate(instant.with_timezone(&tz).date_naive())
    }

    /// The store's day now.
    pub fn today(tz: Tz) -> BusinessDate {
        BusinessDate::at(Utc::now(), tz)
    }

    /// As a calendar date.
    pub fn date(self) -> NaiveDate {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn a_day_ends_just_before_the_next_local_midnight() {
        let day = NaiveDate::from_ymd_opt(2026, 6, 30).unwrap();
        let end = end_of_day(day, Tz::Europe__Paris);
        assert_eq!(end.to_rfc3339(), "2026-06-30T21:59:59.999999+00:00");
        assert_eq!(BusinessDate::at(end, Tz::Europe__Paris).date(), day);
        let next = end + chrono::Duration::microseconds(1);
        assert_eq!(
            BusinessDate::at(next, Tz::Europe__Paris).date(),
            day.succ_opt().unwrap()
        );
    }

    #[test]
    fn the_business_date_is_the_store_s_local_day() {
        // 23:30 UTC on 31 Dec is already New Year's Day in Paris, still 31 Dec in Abidjan.
        let late = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            BusinessDate::at(late, Tz::Africa__Abidjan).date(),
            day(2026, 12, 31)
        );
        assert_eq!(
            BusinessDate::at(late, Tz::Europe__Paris).date(),
            day(2027, 1, 1)
        );
    }
    use chrono_tz::Africa::Abidjan;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn at(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Utc> {
        d(y, m, day).and_hms_opt(h, min, 0).unwrap().and_utc()
    }

    fn midnight(date: NaiveDate) -> DateTime<Utc> {
        date.and_time(NaiveTime::MIN).and_utc()
    }

    fn bounds(r: &PeriodRange) -> (NaiveDate, NaiveDate, usize) {
        (r.first_day(), r.last_day(), r.len_days())
    }

    #[test]
    fn parses_the_query_names() {
        assert_eq!(Period::parse("today", None, None), Ok(Period::Today));
        assert_eq!(Period::parse(" WEEK ", None, None), Ok(Period::Week));
        assert_eq!(Period::parse("month", None, None), Ok(Period::Month));
        assert_eq!(Period::parse("7d", None, None), Ok(Period::Last7Days));
        assert_eq!(Period::parse("30d", None, None), Ok(Period::Last30Days));
        assert_eq!(
            Period::parse("custom", Some(d(2026, 1, 1)), Some(d(2026, 1, 31))),
            Ok(Period::Custom {
                from: d(2026, 1, 1),
                to: d(2026, 1, 31)
            })
        );
        for p in [
            Period::Today,
            Period::Week,
            Period::Month,
            Period::Last7Days,
            Period::Last30Days,
        ] {
            assert_eq!(p.as_str().parse::<Period>(), Ok(p));
        }
    }

    #[test]
    fn refuses_bad_periods() {
        let code = |r: Result<Period, PeriodError>| r.unwrap_err().code();
        assert_eq!(code(Period::parse("year", None, None)), "period.invalid");
        assert_eq!(
            code(Period::parse("custom", Some(d(2026, 1, 1)), None)),
            "period.invalid"
        );
        assert_eq!(
            Period::parse("7d", Some(d(2026, 1, 1)), None),
            Err(PeriodError::UnexpectedDates)
        );
        assert_eq!(
            Period::custom(d(2026, 2, 1), d(2026, 1, 31)),
            Err(PeriodError::Reversed {
                from: d(2026, 2, 1),
                to: d(2026, 1, 31)
            })
        );
        // 366 days is the maximum: a leap year is fine, one day more is not.
        assert!(Period::custom(d(2024, 1, 1), d(2024, 12, 31)).is_ok());
        assert_eq!(
            Period::custom(d(2024, 1, 1), d(2025, 1, 1)),
            Err(PeriodError::TooLong { days: 367 })
        );
        assert!(Period::custom(d(2026, 5, 5), d(2026, 5, 5)).is_ok());
        assert_eq!(
            PeriodError::Unknown("year".into()).to_string(),
            "Période inconnue « year » (attendu : today, week, month, 7d, 30d ou custom)."
        );
    }

    #[test]
    fn today_is_one_local_day() {
        let r = Period::Today.range(at(2026, 3, 11, 18, 45), Abidjan);
        assert_eq!(r.start_utc, midnight(d(2026, 3, 11)));
        assert_eq!(r.end_utc, midnight(d(2026, 3, 12)));
        assert_eq!(r.days, vec![d(2026, 3, 11)]);
        assert!(r.contains(at(2026, 3, 11, 0, 0)));
        assert!(!r.contains(at(2026, 3, 12, 0, 0)));
        let p = r.previous(Abidjan);
        assert_eq!(p.days, vec![d(2026, 3, 10)]);
        assert_eq!(p.end_utc, r.start_utc);
    }

    #[test]
    fn week_on_a_sunday_starts_the_monday_before() {
        // 2026-03-15 is a Sunday.
        assert_eq!(d(2026, 3, 15).weekday(), Weekday::Sun);
        let now = at(2026, 3, 15, 23, 59);
        let r = Period::Week.range(now, Abidjan);
        assert_eq!(bounds(&r), (d(2026, 3, 9), d(2026, 3, 15), 7));
        assert_eq!(r.start_utc, midnight(d(2026, 3, 9)));
        assert_eq!(r.end_utc, midnight(d(2026, 3, 16)));
        let p = Period::Week.previous(now, Abidjan);
        assert_eq!(bounds(&p), (d(2026, 3, 2), d(2026, 3, 8), 7));
        // On a Monday the week is that Monday to the next Sunday.
        let r = Period::Week.range(at(2026, 3, 16, 8, 0), Abidjan);
        assert_eq!(bounds(&r), (d(2026, 3, 16), d(2026, 3, 22), 7));
    }

    #[test]
    fn month_on_the_first_is_one_day() {
        let now = at(2026, 4, 1, 9, 30);
        let r = Period::Month.range(now, Abidjan);
        assert_eq!(r.days, vec![d(2026, 4, 1)]);
        assert_eq!(r.start_utc, midnight(d(2026, 4, 1)));
        assert_eq!(r.end_utc, midnight(d(2026, 4, 2)));
        assert_eq!(
            Period::Month.previous(now, Abidjan).days,
            vec![d(2026, 3, 31)]
        );

        // Mid-month: 1st to today; previous = as many days just before.
        let now = at(2026, 3, 15, 12, 0);
        let r = Period::Month.range(now, Abidjan);
        assert_eq!(bounds(&r), (d(2026, 3, 1), d(2026, 3, 15), 15));
        let p = r.previous(Abidjan);
        assert_eq!(bounds(&p), (d(2026, 2, 14), d(2026, 2, 28), 15));
        assert_eq!(p.end_utc, r.start_utc);
    }

    #[test]
    fn rolling_windows_across_a_year_boundary() {
        let now = at(2026, 1, 2, 10, 0);
        let r = Period::Last7Days.range(now, Abidjan);
        assert_eq!(bounds(&r), (d(2025, 12, 27), d(2026, 1, 2), 7));
        assert_eq!(r.start_utc, midnight(d(2025, 12, 27)));
        assert_eq!(r.end_utc, midnight(d(2026, 1, 3)));
        let p = r.previous(Abidjan);
        assert_eq!(bounds(&p), (d(2025, 12, 20), d(2025, 12, 26), 7));

        let r = Period::Last30Days.range(now, Abidjan);
        assert_eq!(bounds(&r), (d(2025, 12, 4), d(2026, 1, 2), 30));

        // 2026-01-01 is a Thursday: the week runs Mon 29 Dec 2025 – Sun 4 Jan 2026.
        let r = Period::Week.range(now, Abidjan);
        assert_eq!(bounds(&r), (d(2025, 12, 29), d(2026, 1, 4), 7));

        // This month on 1 January; the previous period is 31 December.
        let r = Period::Month.range(at(2026, 1, 1, 0, 0), Abidjan);
        assert_eq!(r.days, vec![d(2026, 1, 1)]);
        assert_eq!(r.previous(Abidjan).days, vec![d(2025, 12, 31)]);
    }

    #[test]
    fn custom_is_whole_days_inclusive() {
        let p = Period::custom(d(2025, 12, 30), d(2026, 1, 2)).unwrap();
        let now = at(2026, 6, 1, 12, 0);
        let r = p.range(now, Abidjan);
        assert_eq!(
            r.days,
            vec![
                d(2025, 12, 30),
                d(2025, 12, 31),
                d(2026, 1, 1),
                d(2026, 1, 2)
            ]
        );
        assert_eq!(r.start_utc, midnight(d(2025, 12, 30)));
        assert_eq!(r.end_utc, midnight(d(2026, 1, 3)));
        assert_eq!(
            bounds(&p.previous(now, Abidjan)),
            (d(2025, 12, 26), d(2025, 12, 29), 4)
        );
    }

    #[test]
    fn days_are_those_of_the_store_time_zone() {
        // 23:30 UTC on 31 March is already 1 April 01:30 in Paris (UTC+2 in summer).
        let now = at(2026, 3, 31, 23, 30);
        assert_eq!(Period::Today.range(now, Abidjan).days, vec![d(2026, 3, 31)]);
        let paris = Period::Today.range(now, chrono_tz::Europe::Paris);
        assert_eq!(paris.days, vec![d(2026, 4, 1)]);
        assert_eq!(paris.start_utc, at(2026, 3, 31, 22, 0));
        assert_eq!(paris.end_utc, at(2026, 4, 1, 22, 0));
        // A DST day is 23 hours long: Sunday 29 March 2026 in Paris.
        let r = Period::custom(d(2026, 3, 29), d(2026, 3, 29))
            .unwrap()
            .range(now, chrono_tz::Europe::Paris);
        assert_eq!(r.start_utc, at(2026, 3, 28, 23, 0));
        assert_eq!(r.end_utc, at(2026, 3, 29, 22, 0));
    }

    #[test]
    fn kpi_periods_and_their_series() {
        let kpi = |k: &str| Period::parse_for_kpis(k, None, None);
        assert_eq!(kpi("90D"), Ok(Period::Last90Days));
        assert_eq!(kpi("180d"), Ok(Period::Last180Days));
        assert_eq!(kpi("365d"), Ok(Period::Last365Days));
        assert_eq!(kpi("7d"), Ok(Period::Last7Days));
        assert_eq!(
            kpi("today"),
            Err(PeriodError::UnknownForKpis("today".into()))
        );
        assert_eq!(kpi("today").unwrap_err().code(), "period.invalid");
        assert_eq!(
            Period::parse_for_kpis("custom", Some(d(2026, 1, 1)), None),
            Err(PeriodError::MissingDates)
        );
        assert_eq!(
            Period::parse_for_kpis("30d", None, Some(d(2026, 1, 1))),
            Err(PeriodError::UnexpectedDates)
        );
        // "Mes ventes" keeps its own names.
        assert!(Period::parse("90d", None, None).is_err());

        let now = at(2026, 6, 30, 12, 0);
        let r = Period::Last90Days.range(now, Abidjan);
        assert_eq!(bounds(&r), (d(2026, 4, 2), d(2026, 6, 30), 90));
        assert_eq!(r.granularity(), Granularity::Day);
        assert_eq!(r.buckets(Granularity::Day).len(), 90);
        let r = Period::Last365Days.range(now, Abidjan);
        assert_eq!(bounds(&r), (d(2025, 7, 1), d(2026, 6, 30), 365));
        assert_eq!(
            bounds(&r.previous(Abidjan)),
            (d(2024, 7, 1), d(2025, 6, 30), 365)
        );
        assert_eq!(r.granularity(), Granularity::Week);
        let weeks = r.buckets(Granularity::Week);
        // 365 = 52 × 7 + 1: the oldest bucket is the lone first day.
        assert_eq!(weeks.len(), 53);
        assert_eq!(weeks[0], (d(2025, 7, 1), d(2025, 7, 1)));
        assert_eq!(weeks[1], (d(2025, 7, 2), d(2025, 7, 8)));
        assert_eq!(weeks[52], (d(2026, 6, 24), d(2026, 6, 30)));
        let r = Period::Last180Days.range(now, Abidjan);
        assert_eq!(r.len_days(), 180);
        assert_eq!(r.granularity(), Granularity::Week);
    }
}
