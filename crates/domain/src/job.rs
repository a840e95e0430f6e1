//! Background jobs: what kinds there are and the states one goes through. The store
//! keeps them in `jobs.kind` and `jobs.status` under these names; the API and the SPA
//! show the same names.
//!
//! A new kind of job is one more [`JobKind`] variant: the
//! compiler then asks for its name here, its audit action in `crm_store::jobs` and its
//! failure message in the server's runner.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// What a job does. At most one job of a kind runs at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum JobKind {
    /// A SPECIAL coupon for every customer of a level and above (`BULK_COUPONS`).
    #[serde(rename = "BULK_COUPONS")]
    BulkIssue,
    /// A loyalty analysis that moves levels (`LOYALTY_ANALYSIS`).
    #[serde(rename = "LOYALTY_ANALYSIS")]
    LoyaltyAnalysis,
    /// A loyalty analysis that only reports its moves (`LOYALTY_DRY_RUN`): it may run
    /// while an apply runs, since it writes nothing but its own report.
    #[serde(rename = "LOYALTY_DRY_RUN")]
    LoyaltyDryRun,
}

impl JobKind {
    /// Every kind, for lists and tests.
    pub const ALL: [JobKind; 3] = [
        JobKind::BulkIssue,
        JobKind::LoyaltyAnalysis,
        JobKind::LoyaltyDryRun,
    ];

    /// The kind of a loyalty analysis, apply or dry run.
    pub fn loyalty(dry_run: bool) -> JobKind {
        if dry_run {
            JobKind::LoyaltyDryRun
        } else {
            JobKind::LoyaltyAnalysis
        }
    }

    /// Whether this is a loyalty analysis (either mode).
    pub fn is_loyalty(self) -> bool {
        matches!(self, JobKind::LoyaltyAnalysis | JobKind::LoyaltyDryRun)
    }

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::BulkIssue => "BULK_COUPONS",
            JobKind::LoyaltyAnalysis => "LOYALTY_ANALYSIS",
            JobKind::LoyaltyDryRun => "LOYALTY_DRY_RUN",
        }
    }
}

/// Where a job is: queued, then running, then succeeded or failed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum JobStatus {
    /// Waiting to start.
    Queued,
    /// Started, progress moving.
    Running,
    /// Finished; its result holds the outcome.
    Succeeded,
    /// Stopped on an error (or by a restart); its error says why.
    Failed,
}

impl JobStatus {
    /// Every status, for lists and tests.
    pub const ALL: [JobStatus; 4] = [
        JobStatus::Queued,
        JobStatus::Running,
        JobStatus::Succeeded,
        JobStatus::Failed,
    ];

    /// The stored and serialised name.
    pub fn as_str(self) -> &'static str {
        match self {
            JobStatus::Queued => "QUEUED",
            JobStatus::Running => "RUNNING",
            JobStatus::Succeeded => "SUCCEEDED",
            JobStatus::Failed => "FAILED",
        }
    }

    /// Whether the job is over: nothing will change it any more.
    pub fn is_finished(self) -> bool {
        matches!(self, JobStatus::Succeeded | JobStatus::Failed)
    }
}

/// A name that is no job kind or status. Read from the database it means the data is
/// not what this code wrote: an error, never a guess.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{what} inconnu « {name} »")]
pub struct UnknownName {
    what: &'static str,
    name: String,
}

/// The variant of `all` whose name is exactly `s`.
fn by_name<T: Copy>(
    all: &[T],
    name: impl Fn(T) -> &'static str,
    s: &str,
    what: &'static str,
) -> Result<T, UnknownName> {
    all.iter()
        .copied()
        .find(|v| name(*v) == s)
        .ok_or_else(|| UnknownName {
            what,
            name: s.to_owned(),
        })
}

impl FromStr for JobKind {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<JobKind, UnknownName> {
        by_name(&JobKind::ALL, JobKind::as_str, s, "type de tâche")
    }
}

impl FromStr for JobStatus {
    type Err = UnknownName;
    fn from_str(s: &str) -> Result<JobStatus, UnknownName> {
        by_name(&JobStatus::ALL, JobStatus::as_str, s, "statut de tâche")
    }
}

impl fmt::Display for JobKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_read_back_and_serialise_alike() {
        for kind in JobKind::ALL {
            assert_eq!(kind.as_str().parse::<JobKind>(), Ok(kind));
            let json = serde_json::to_value(kind).unwrap();
            assert_eq!(json, kind.as_str());
        }
        for status in JobStatus::ALL {
            assert_eq!(status.as_str().parse::<JobStatus>(), Ok(status));
            let json = serde_json::to_value(status).unwrap();
            assert_eq!(json, status.as_str());
        }
    }

    #[test]
    fn an_unknown_name_is_an_error_not_a_default() {
        let err = "DONE".parse::<JobStatus>().unwrap_err();
        assert_eq!(err.to_string(), "statut de tâche inconnu « DONE »");
        assert!(
            "running".parse::<JobStatus>().is_err(),
            "stored names are exact"
        );
        assert!("LOYALTY".parse::<JobKind>().is_err());
    }

    #[test]
    fn only_succeeded_and_failed_are_finished() {
        let finished: Vec<_> = JobStatus::ALL
            .into_iter()
            .filter(|s| s.is_finished())
            .collect();
        assert_eq!(finished, [JobStatus::Succeeded, JobStatus::Failed]);
    }
}
