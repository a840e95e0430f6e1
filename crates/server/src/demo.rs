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

const FIRST_NAMES: [&str; 24] = [
    "Aya",
    "Koffi",
    "Adjoua",
    "Kouamé",
    "Affoué",
    "Yao",
    "Amenan",
    "Konan",
    "Akissi",
    "Kouadio",
    "Mariam",
    "Ibrahim",
    "Fatou",
    "Seydou",
    "Aminata",
    "Moussa",
    "Awa",
    "Drissa",
    "Salimata",
    "Bakary",
    "Christelle",
    "Jean-Marc",
    "Estelle",
    "Serge",
];
const LAST_NAMES: [&str; 24] = [
    "Kouassi",
    "N'Guessan",
    "Koné",
    "Traoré",
    "Ouattara",
    "Bamba",
    "Yao",
    "Kouadio",
    "Diabaté",
    "Coulibaly",
    "Touré",
    "Konan",
    "Aka",
    "Gnagne",
    "Koffi",
    "Cissé",
    "Diallo",
    "Soro",
    "Tanoh",
    "Brou",
    "Assi",
    "Ehui",
    "Gbagbo",
    "Zadi",
];
const CITIES: [&str; 6] = [
    "Abidjan",
    "Abidjan",
    "Abidjan",
    "Bouaké",
    "Yamoussoukro",
    "San-Pédro",
];

/// The phone of the `i`-th generated demo customer: unique, valid, deterministic (load
/// generators pick customers by index).
pub fn demo_phone(i: u64) -> String {
    let prefix = ["07", "05", "01"][(i % 3) as usize];
    format!("{prefix}{:08}", 20_000_000 + i / 3)
}

/// Adds `count` generated customers (numbers [`demo_phone`]`(0..count)`), in batches,
/// reporting progress on stderr. Numbers already present are skipped.
pub async fn generate_customers(state: &AppState, count: u64) -> anyhow::Result<()> {
    use crm_store::demo::{insert_customers, BulkCustomer};
    let store = crm_store::stores::ensure(
        &state.db,
        "ABJ-PLATEAU",
        "Supermarché Plateau",
        "Abidjan",
        "Africa/Abidjan",
    )
    .await?;
    const BATCH: u64 = 2_000;
    let started = std::time::Instant::now();
    let mut done = 0;
    while done < count {
        let end = (done + BATCH).min(count);
        let batch = (done..end)
            .map(|i| {
                let phone = Phone::parse(&demo_phone(i), "CI")?;
                // A believable spread: most customers Standard, a few VIP.
                let level = match i % 20 {
                    0 => Level::Vip,
                    1 | 2 => Level::Gold,
                    3..=7 => Level::Silver,
                    _ => Level::Standard,
                };
                let spend = ((i * 7_919) % 2_000) as i64 * 1_000;
                Ok(BulkCustomer {
                    phone_index: state.vault.index(&phone),
                    phone_cipher: state.vault.seal(&phone),
                    first_name: FIRST_NAMES[(i % 24) as usize].to_owned(),
                    last_name: LAST_NAMES[((i / 24) % 24) as usize].to_owned(),
                    city: CITIES[(i % 6) as usize].to_owned(),
                    level,
                    points: spend / 1_000,
                    lifetime_spend: spend,
                    purchases_count: spend / 15_000,
                    registered_at: chrono::Utc::now() - chrono::Duration::days((i % 1_000) as i64),
                    home_store_id: store.id,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        insert_customers(&state.db, batch).await?;
        done = end;
        progress("Clients", done, count, started);
    }
    eprintln!();
    Ok(())
}

/// One redrawn line: `Clients  [#####-----]  52 % 52000/100000  8.1 s`.
fn progress(what: &str, done: u64, total: u64, started: std::time::Instant) {
    let width = 30;
    let filled = (done * width / total.max(1)) as usize;
    eprint!(
        "\r{what:<8} [{}{}] {:>3} % {done}/{total}  {:.1} s",
        "#".repeat(filled),
        "-".repeat(width as usize - filled),
        done * 100 / total.max(1),
        started.elapsed().as_secs_f64()
    );
}
