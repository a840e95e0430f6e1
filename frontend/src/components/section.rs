//! The app's areas, the menu of each role and who may open what.

use crm_api_types::Role;

/// An area of the app, with its route and its menu entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Section {
    /// Home of the back-office roles.
    Accueil,
    /// The till (POS).
    Caisse,
    /// Sales history ("Mes ventes" for a cashier, every sale for the others).
    Ventes,
    /// Customers.
    Clients,
    /// Coupons.
    Coupons,
    /// Loyalty analysis and statistics.
    Fidelite,
    /// KPI dashboard.
    Kpi,
    /// Users, stores, settings.
    Admin,
    /// The audit log (« Journal d'audit »): administrators and the director.
    Journal,
}

impl Section {
    /// Every area.
    pub const ALL: [Section; 9] = [
        Section::Accueil,
        Section::Caisse,
        Section::Ventes,
        Section::Clients,
        Section::Coupons,
        Section::Fidelite,
        Section::Kpi,
        Section::Admin,
        Section::Journal,
    ];

    /// Name used in `data-nav` and in string keys.
    pub fn key(self) -> &'static str {
        match self {
            Section::Accueil => "accueil",
            Section::Caisse => "caisse",
            Section::Ventes => "ventes",
            Section::Clients => "clients",
            Section::Coupons => "coupons",
            Section::Fidelite => "fidelite",
            Section::Kpi => "kpi",
            Section::Admin => "admin",
            Section::Journal => "journal",
        }
    }

    /// The route.
    pub fn path(self) -> &'static str {
        match self {
            Section::Accueil => "/accueil",
            Section::Caisse => "/caisse",
            Section::Ventes => "/ventes",
            Section::Clients => "/clients",
            Section::Coupons => "/coupons",
            Section::Fidelite => "/fidelite",
            Section::Kpi => "/kpi",
            Section::Admin => "/admin",
            Section::Journal => "/admin/journal",
        }
    }

    /// String key of the menu label (the sales entry depends on the role).
    pub fn label_key(self, role: Option<Role>) -> &'static str {
        match self {
            Section::Accueil => "nav.accueil",
            Section::Caisse => "nav.caisse",
            Section::Ventes if role == Some(Role::Cashier) => "nav.ventes.own",
            Section::Ventes => "nav.ventes.all",
            Section::Clients => "nav.clients",
            Section::Coupons => "nav.coupons",
            Section::Fidelite => "nav.fidelite",
            Section::Kpi => "nav.kpi",
            Section::Admin => "nav.admin",
            Section::Journal => "nav.journal",
        }
    }

    /// String key of the one-line description on the home page.
    pub fn description_key(self) -> &'static str {
        match self {
            Section::Accueil => "home.intro",
            Section::Caisse => "home.desc.caisse",
            Section::Ventes => "home.desc.ventes",
            Section::Clients => "home.desc.clients",
            Section::Coupons => "home.desc.coupons",
            Section::Fidelite => "home.desc.fidelite",
            Section::Kpi => "home.desc.kpi",
            Section::Admin => "home.desc.admin",
            Section::Journal => "home.desc.journal",
        }
    }

    /// The menu of a role, in display order.
    pub fn menu(role: Role) -> &'static [Section] {
        use Section::*;
        match role {
            Role::Cashier => &[Caisse, Ventes],
            Role::Marketing => &[Accueil, Clients, Coupons, Fidelite, Kpi],
            Role::Director => &[
                Accueil, Kpi, Ventes, Clients, Coupons, Fidelite, Admin, Journal,
            ],
            Role::Admin => &[
                Accueil, Caisse, Ventes, Clients, Coupons, Fidelite, Kpi, Admin, Journal,
            ],
        }
    }

    /// Whether `role` may open this area: what its menu shows, and everyone has a home page.
    pub fn allowed(self, role: Role) -> bool {
        self == Section::Accueil || Section::menu(role).contains(&self)
    }
}
