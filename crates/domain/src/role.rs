//! Who may do what: the one table of SPEC.md "Roles", as code.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// A staff member's role.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RoleName))]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Role {
    /// Works the till.
    Cashier,
    /// Runs coupons, loyalty and customer relations.
    Marketing,
    /// General manager (DG): reads everything.
    Director,
    /// Manages users, stores and settings.
    Admin,
}

/// A scope granted to an integrator's service account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// Identify/create customers, quote coupons, checkout.
    #[serde(rename = "pos")]
    Pos,
    /// Read sales history.
    #[serde(rename = "sales:read")]
    SalesRead,
    /// Read customers, coupons and loyalty data.
    #[serde(rename = "crm:read")]
    CrmRead,
    /// Manage customers, coupons and run the loyalty analysis.
    #[serde(rename = "crm:write")]
    CrmWrite,
    /// Read KPIs and exports.
    #[serde(rename = "kpi:read")]
    KpiRead,
    /// Start and read loyalty analyses, and nothing else: what a scheduler (cron, a
    /// systemd timer, a Kubernetes CronJob) holds.
    #[serde(rename = "loyalty:run")]
    LoyaltyRun,
}

/// Something a route needs; roles and scopes grant capabilities.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// POS work: identify or create a customer, quote a coupon, check out.
    Pos,
    /// One's own sales history.
    OwnSales,
    /// Every cashier's sales.
    AllSales,
    /// Refund a sale (money handed back), whatever its day: a manager's decision.
    Refund,
    /// Read customer details, coupons and loyalty results.
    CrmRead,
    /// Change customers and coupons.
    CrmWrite,
    /// Read loyalty analyses (progress, result, moves) and the loyalty policy.
    LoyaltyRead,
    /// Start a loyalty analysis (dry run or apply).
    LoyaltyRun,
    /// Export or erase a customer's personal data.
    PersonalData,
    /// See customers' full phone numbers rather than the masked form.
    FullPhone,
    /// KPI dashboard and exports.
    Kpi,
    /// Read users, stores, settings and the audit log.
    AdminRead,
    /// Change users, stores and settings.
    AdminWrite,
}

impl Role {
    /// Every role, in the order screens list them.
    pub const ALL: [Role; 4] = [Role::Cashier, Role::Marketing, Role::Director, Role::Admin];

    /// Whether this role grants `capability`.
    pub fn grants(self, capability: Capability) -> bool {
        use Capability as C;
        match self {
            Role::Cashier => matches!(capability, C::Pos | C::OwnSales),
            Role::Marketing => matches!(
                capability,
                C::CrmRead
                    | C::CrmWrite
                    | C::LoyaltyRead
                    | C::LoyaltyRun
                    | C::PersonalData
                    | C::FullPhone
                    | C::Kpi
            ),
            Role::Director => matches!(
                capability,
                C::OwnSales
                    | C::AllSales
                    | C::Refund
                    | C::CrmRead
                    | C::LoyaltyRead
                    | C::Kpi
                    | C::AdminRead
            ),
            Role::Admin => true,
        }
    }

    /// The stored and serialised name (`CASHIER`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Cashier => "CASHIER",
            Role::Marketing => "MARKETING",
            Role::Director => "DIRECTOR",
            Role::Admin => "ADMIN",
        }
    }
}

impl FromStr for Role {
    type Err = String;
    /// Accepts the API names and the CLI's lower-case ones (`cashier`).
    fn from_str(s: &str) -> Result<Role, String> {
        match s.trim().to_ascii_uppercase().as_str() {
            "CASHIER" => Ok(Role::Cashier),
            "MARKETING" => Ok(Role::Marketing),
            "DIRECTOR" => Ok(Role::Director),
            "ADMIN" => Ok(Role::Admin),
            other => Err(format!(
                "rôle inconnu « {other} » (attendu : cashier, marketing, director ou admin)"
            )),
        }
    }
}

impl Scope {
    /// Every scope a service account can hold.
    pub const ALL: [Scope; 6] = [
        Scope::Pos,
        Scope::SalesRead,
        Scope::CrmRead,
        Scope::CrmWrite,
        Scope::KpiRead,
        Scope::LoyaltyRun,
    ];

    /// Whether this scope grants `capability`.
    pub fn grants(self, capability: Capability) -> bool {
        use Capability as C;
        match self {
            Scope::Pos => capability == C::Pos,
            Scope::SalesRead => matches!(capability, C::OwnSales | C::AllSales),
            Scope::CrmRead => matches!(capability, C::CrmRead | C::LoyaltyRead),
            Scope::CrmWrite => matches!(
                capability,
                C::CrmRead | C::CrmWrite | C::LoyaltyRead | C::LoyaltyRun
            ),
            Scope::KpiRead => capability == C::Kpi,
            Scope::LoyaltyRun => matches!(capability, C::LoyaltyRead | C::LoyaltyRun),
        }
    }

    /// The name used in tokens and on the command line (`sales:read`).
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Pos => "pos",
            Scope::SalesRead => "sales:read",
            Scope::CrmRead => "crm:read",
            Scope::CrmWrite => "crm:write",
            Scope::KpiRead => "kpi:read",
            Scope::LoyaltyRun => "loyalty:run",
        }
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Scope, String> {
        Scope::ALL
            .into_iter()
            .find(|scope| scope.as_str() == s.trim())
            .ok_or_else(|| {
                format!("portée inconnue « {s} » (attendu : pos, sales:read, crm:read, crm:write, kpi:read, loyalty:run)")
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cashier_works_the_till_only() {
        assert!(Role::Cashier.grants(Capability::Pos));
        assert!(Role::Cashier.grants(Capability::OwnSales));
        for c in [
            Capability::CrmRead,
            Capability::CrmWrite,
            Capability::Kpi,
            Capability::AdminRead,
            Capability::FullPhone,
            Capability::Refund,
        ] {
            assert!(!Role::Cashier.grants(c), "{c:?}");
        }
    }

    #[test]
    fn director_reads_but_does_not_write() {
        assert!(Role::Director.grants(Capability::CrmRead));
        assert!(Role::Director.grants(Capability::AdminRead));
        assert!(!Role::Director.grants(Capability::CrmWrite));
        assert!(!Role::Director.grants(Capability::AdminWrite));
        assert!(!Role::Director.grants(Capability::Pos));
    }

    #[test]
    fn marketing_has_no_till_and_no_admin() {
        assert!(!Role::Marketing.grants(Capability::Pos));
        assert!(!Role::Marketing.grants(Capability::AdminRead));
    }

    #[test]
    fn the_scheduler_scope_runs_analyses_and_nothing_else() {
        let run = Scope::LoyaltyRun;
        assert!(run.grants(Capability::LoyaltyRun) && run.grants(Capability::LoyaltyRead));
        for c in [
            Capability::CrmRead,
            Capability::CrmWrite,
            Capability::Pos,
            Capability::Kpi,
            Capability::AllSales,
            Capability::AdminRead,
        ] {
            assert!(!run.grants(c), "{c:?}");
        }
        assert!(Role::Marketing.grants(Capability::LoyaltyRun));
        assert!(Role::Director.grants(Capability::LoyaltyRead));
        assert!(!Role::Director.grants(Capability::LoyaltyRun));
        assert!(!Role::Cashier.grants(Capability::LoyaltyRead));
    }

    #[test]
    fn names_round_trip() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>(), Ok(role));
        }
        assert_eq!("cashier".parse::<Role>(), Ok(Role::Cashier));
        for scope in Scope::ALL {
            assert_eq!(scope.as_str().parse::<Scope>(), Ok(scope));
        }
        assert!("root".parse::<Role>().is_err());
    }
}
