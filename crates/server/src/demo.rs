//! The demo store seeded on an empty database (`CRM_SEED_DEMO=true`, used by
//! `cargo xtask dev` and the browser tests): one login per role and a few customers.

use crate::accounts;
use crate::startup::AppState;
use crm_domain::phone::Phone;
use crm_domain::{Level, Role};
use crm_store::customers::{self, NewCustomer};

/// Demo logins: (username, password, role, display name).
pub const DEMO_USERS: [(&str, &str, Role, &str); 4] = [
    ("caisse", "Caisse2026!", Role::Cashier, "Awa Koné"),
    (
        "marketing",
        "Marketing2026!",
        Role::Marketing,
        "Yao Kouadio",
    ),
    ("dg", "Direction2026!", Role::Director, "Mariam Traoré"),
    ("admin", "Admin2026!", Role::Admin, "Admin Système"),
];

/// Demo customers: (phone, first name, last name, level, points, lifetime spend, purchases).
pub const DEMO_CUSTOMERS: [(&str, &str, &str, Level, i64, i64, i64); 6] = [
    (
        "0701234567",
        "Aya",
        "Kouassi",
        Level::Gold,
        1_240,
        1_245_000,
        58,
    ),
    (
        "0505112233",
        "Koffi",
        "N'Guessan",
        Level::Silver,
        410,
        412_500,
        21,
    ),
    (
        "0102030405",
        "Fatou",
        "Diabaté",
        Level::Vip,
        3_980,
        3_990_000,
        140,
    ),
    (
        "0708091011",
        "Jean-Marc",
        "Yao",
        Level::Standard,
        35,
        35_000,
        3,
    ),
    ("0566778899", "Adjoua", "Bamba", Level::Standard, 0, 0, 0),
    (
        "2722446688",
        "Ibrahim",
        "Ouattara",
        Level::Silver,
        520,
        523_000,
        25,
    ),
];

/// Seeds the demo store when no user exists yet; returns whether it did.
pub async fn seed_if_empty(state: &AppState) -> anyhow::Result<bool> {
    if crm_store::users::count(&state.db).await? > 0 {
        return Ok(false);
    }
    let store = crm_store::stores::ensure(
        &state.db,
        "ABJ-PLATEAU",
        "Supermarché Plateau",
        "Abidjan",
        "Africa/Abidjan",
    )
    .await?;
    for (username, password, role, name) in DEMO_USERS {
        accounts::create_user(&state.db, username, role, password, Some(name)).await?;
    }
    for (typed, first, last, level, points, spend, purchases) in DEMO_CUSTOMERS {
        let phone = Phone::parse(typed, "CI")?;
        let (row, _) = customers::create_or_get(
            &state.db,
            NewCustomer {
                phone_index: state.vault.index(&phone),
                phone_cipher: state.vault.seal(&phone),
                first_name: Some(first.to_owned()),
                last_name: Some(last.to_owned()),
                email: None,
                sms_consent: true,
                home_store_id: Some(store.id),
            },
        )
        .await?;
        crm_store::demo::set_standing(&state.db, row.id, level, points, spend, purchases).await?;
    }
    tracing::info!("demo store seeded");
    Ok(true)
}

/// The lines `crm serve` prints for a newcomer.
pub fn banner(url: &str) -> String {
    let mut out = format!("\n  CRM Fidélité est prêt : {url}\n  API : {url}/api/docs\n\n  Comptes de démonstration :\n");
    for (username, password, role, _) in DEMO_USERS {
        out.push_str(&format!(
            "    {:<10} {:<10} / {}\n",
            role.as_str(),
            username,
            password
        ));
    }
    out.push_str("\n  Numéro client connu : 07 01 23 45 67 (Aya Kouassi, GOLD)\n");
    out
}
