//! What an analysis does with each customer ([`decide`]: promotion at once, demotion one
//! level at a time and never within the soft landing) and what it reports
//! ([`AnalysisSummary`], the job's result).

use super::{Level, LoyaltyPolicy};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

/// How a customer's level moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum MoveKind {
    /// Up to the level the score earns, however many levels that is.
    Promotion,
    /// Down one level.
    Demotion,
    /// The score earns a lower level but the last change is too recent: kept.
    Held,
}

impl MoveKind {
    /// Every kind, for filters and tests.
    pub const ALL: [MoveKind; 3] = [MoveKind::Promotion, MoveKind::Demotion, MoveKind::Held];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            MoveKind::Promotion => "PROMOTION",
            MoveKind::Demotion => "DEMOTION",
            MoveKind::Held => "HELD",
        }
    }
}

impl std::str::FromStr for MoveKind {
    type Err = String;
    fn from_str(s: &str) -> Result<MoveKind, String> {
        MoveKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or_else(|| format!("type de mouvement inconnu « {s} »"))
    }
}

/// A customer's move: from, to (equal when held) and its kind.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Move {
    /// Level before the analysis.
    pub from: Level,
    /// Level after it.
    pub to: Level,
    /// Promotion, demotion or held.
    pub kind: MoveKind,
}

impl Move {
    /// Whether the level changes (a held customer's does not).
    pub fn changes_level(&self) -> bool {
        self.from != self.to
    }
}

/// The move of a customer at `current`, whose score earns `earned`, whose level last
/// changed at `last_change` (none recorded, e.g. imported: a demotion may happen at
/// once), seen at `at`. `None`: nothing to do.
pub fn decide(
    current: Level,
    earned: Level,
    last_change: Option<DateTime<Utc>>,
    at: DateTime<Utc>,
    policy: &LoyaltyPolicy,
) -> Option<Move> {
    let kind = if earned > current {
        MoveKind::Promotion
    } else if earned == current {
        return None;
    } else {
        let landing = Duration::days(i64::from(policy.soft_landing_days));
        match last_change {
            Some(changed) if at - changed < landing => MoveKind::Held,
            _ => MoveKind::Demotion,
        }
    };
    let to = match kind {
        MoveKind::Promotion => earned,
        MoveKind::Demotion => current.below(),
        MoveKind::Held => current,
    };
    Some(Move {
        from: current,
        to,
        kind,
    })
}

/// Customers per level.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LevelCounts {
    /// STANDARD.
    pub standard: i64,
    /// SILVER.
    pub silver: i64,
    /// GOLD.
    pub gold: i64,
    /// VIP.
    pub vip: i64,
}

impl LevelCounts {
    /// The count of `level`.
    pub fn get(&self, level: Level) -> i64 {
        match level {
            Level::Standard => self.standard,
            Level::Silver => self.silver,
            Level::Gold => self.gold,
            Level::Vip => self.vip,
        }
    }

    /// Counts one more customer at `level`.
    pub fn add(&mut self, level: Level) {
        let slot = match level {
            Level::Standard => &mut self.standard,
            Level::Silver => &mut self.silver,
            Level::Gold => &mut self.gold,
            Level::Vip => &mut self.vip,
        };
        *slot += 1;
    }

    /// Every customer counted.
    pub fn total(&self) -> i64 {
        self.standard + self.silver + self.gold + self.vip
    }
}

/// What an analysis found and did: the job's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AnalysisSummary {
    /// The reference instant T.
    pub as_of: DateTime<Utc>,
    /// Computed and reported only: no level, history or coupon written.
    pub dry_run: bool,
    /// Whether promotions earn a congratulation coupon.
    pub generate_coupons: bool,
    /// Active customers scored.
    pub customers: i64,
    /// Customers per level before.
    pub before: LevelCounts,
    /// Customers per level after (what they would be, for a dry run).
    pub after: LevelCounts,
    /// Customers promoted.
    pub promotions: i64,
    /// Customers demoted one level.
    pub demotions: i64,
    /// Customers whose score earns less but who keep their level (soft landing).
    pub held: i64,
    /// Congratulation coupons issued (would be issued, for a dry run).
    pub coupons_issued: i64,
    /// Promotions that earned no coupon: an active unused SPECIAL coupon issued in the
    /// last 30 days was already held.
    pub coupons_skipped: i64,
}

impl AnalysisSummary {
    /// An empty report for a run at `as_of`.
    pub fn new(as_of: DateTime<Utc>, dry_run: bool, generate_coupons: bool) -> AnalysisSummary {
        AnalysisSummary {
            as_of,
            dry_run,
            generate_coupons,
            customers: 0,
            before: LevelCounts::default(),
            after: LevelCounts::default(),
            promotions: 0,
            demotions: 0,
            held: 0,
            coupons_issued: 0,
            coupons_skipped: 0,
        }
    }

    /// Counts a customer at `current` and the move made, if any.
    pub fn count(&mut self, current: Level, made: Option<&Move>) {
        self.customers += 1;
        self.before.add(current);
        self.after.add(made.map_or(current, |m| m.to));
        match made.map(|m| m.kind) {
            Some(MoveKind::Promotion) => self.promotions += 1,
            Some(MoveKind::Demotion) => self.demotions += 1,
            Some(MoveKind::Held) => self.held += 1,
            None => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 6, 30, 18, 0, 0).unwrap()
    }

    fn policy() -> LoyaltyPolicy {
        LoyaltyPolicy::default()
    }

    #[test]
    fn promotion_may_jump_levels() {
        let m = decide(Level::Standard, Level::Vip, Some(t()), t(), &policy()).unwrap();
        assert_eq!((m.to, m.kind), (Level::Vip, MoveKind::Promotion));
    }

    #[test]
    fn demotion_drops_one_level_and_never_within_30_days() {
        let days_ago = |d: i64| Some(t() - Duration::days(d));
        let m = decide(Level::Vip, Level::Standard, None, t(), &policy()).unwrap();
        assert_eq!(
            (m.to, m.kind),
            (Level::Gold, MoveKind::Demotion),
            "imported: may drop"
        );
        let m = decide(Level::Vip, Level::Standard, days_ago(30), t(), &policy()).unwrap();
        assert_eq!(
            (m.to, m.kind),
            (Level::Gold, MoveKind::Demotion),
            "30 days: may drop"
        );
        let near = t() - Duration::days(30) + Duration::seconds(1);
        let m = decide(Level::Vip, Level::Standard, Some(near), t(), &policy()).unwrap();
        assert_eq!((m.to, m.kind), (Level::Vip, MoveKind::Held));
        assert!(!m.changes_level());
    }

    #[test]
    fn same_level_is_no_move() {
        assert_eq!(decide(Level::Gold, Level::Gold, None, t(), &policy()), None);
    }

    #[test]
    fn a_second_run_the_same_day_moves_nobody() {
        // Whatever the first run did at T, a run at T again finds nothing to do.
        for current in Level::ALL {
            for earned in Level::ALL {
                let first = decide(current, earned, None, t(), &policy());
                let (level, changed) = match first {
                    Some(m) if m.changes_level() => (m.to, Some(t())),
                    _ => (current, None),
                };
                let second = decide(level, earned, changed, t(), &policy());
                assert!(
                    second.is_none_or(|m| !m.changes_level()),
                    "{current:?} earning {earned:?}: {second:?}"
                );
            }
        }
    }

    #[test]
    fn the_summary_counts_before_after_and_kinds() {
        let mut s = AnalysisSummary::new(t(), true, false);
        let up = decide(Level::Standard, Level::Gold, None, t(), &policy());
        let down = decide(Level::Gold, Level::Standard, None, t(), &policy());
        s.count(Level::Standard, up.as_ref());
        s.count(Level::Gold, down.as_ref());
        s.count(Level::Silver, None);
        assert_eq!(
            (s.promotions, s.demotions, s.held, s.customers),
            (1, 1, 0, 3)
        );
        assert_eq!(s.before.get(Level::Gold), 1);
        assert_eq!(s.after.get(Level::Gold), 1);
        assert_eq!(s.after.get(Level::Silver), 2);
        assert_eq!(s.before.total(), s.after.total());
    }
}
