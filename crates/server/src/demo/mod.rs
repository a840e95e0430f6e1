//! The demo store seeded on an empty database (`CRM_SEED_DEMO=true`, used by
//! `cargo xtask dev` and the browser tests): one login per role and a few customers; and
//! `crm demo`'s generated customers and year of sales ([`year`]).

mod year;

pub use year::generate_sales;

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
    let shop = crm_store::stores::ensure(
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
                home_store_id: Some(shop.id),
            },
        )
        .await?;
        crm_store::demo::set_standing(&state.db, row.id, level, points, spend, purchases).await?;
        if first == "Aya" {
            seed_coupon(state, "Bon anniversaire : 1 000 FCFA offerts", Some(row.id)).await?;
        }
    }
    seed_coupon(state, "Bienvenue : 10 % dès 5 000 FCFA d'achat", None).await?;
    seed_catalogue(state).await?;
    tracing::info!("demo store seeded");
    Ok(true)
}

/// Demo coupons: the public code `BIENVENUE` (10 % from 5 000 FCFA) and a personal
/// 1 000 FCFA coupon for Aya Kouassi. Valid from today for a year.
async fn seed_coupon(
    state: &AppState,
    description: &str,
    holder: Option<i64>,
) -> anyhow::Result<()> {
    use crm_domain::coupon::{Coupon, CouponKind, CouponStatus, DiscountKind};
    let today = state.calendar.today(&state.db, None).await?.date();
    let (kind, discount_kind, value, min_basket, code) = match holder {
        Some(_) => (
            CouponKind::Special,
            DiscountKind::Fixed,
            1_000,
            0,
            crate::routes::coupons::new_code(CouponKind::Special),
        ),
        None => (
            CouponKind::Generic,
            DiscountKind::Percent,
            10,
            5_000,
            DEMO_PROMO_CODE.to_owned(),
        ),
    };
    crm_store::coupons::create(
        &state.db,
        crm_store::coupons::NewCoupon {
            code,
            description: description.to_owned(),
            rules: Coupon {
                kind,
                discount_kind,
                value,
                valid_from: today,
                valid_to: today + chrono::Days::new(365),
                global_cap: None,
                per_customer_cap: 1,
                min_basket: crm_domain::Money::fcfa(min_basket),
                required_level: None,
                customer_id: holder,
                eligible_categories: Default::default(),
                stacks_with_loyalty: true,
                status: CouponStatus::Active,
            },
        },
        &Default::default(),
    )
    .await?;
    Ok(())
}

/// The public promo code of the demo store.
pub const DEMO_PROMO_CODE: &str = "BIENVENUE";

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
    out.push_str("  Codes-barres : 6191000000016 (riz 5 kg), 6191000000078 (eau 1,5 L)…\n");
    out.push_str(&format!(
        "  Code promo : {DEMO_PROMO_CODE} (10 % dès 5 000 FCFA)\n"
    ));
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
    let prefix = round(&["07", "05", "01"], i);
    format!("{prefix}{:08}", 20_000_000 + i / 3)
}

/// The `i`-th of `names`, going round them: the generator's deterministic spread.
#[expect(
    clippy::indexing_slicing,
    clippy::cast_possible_truncation,
    reason = "`i % len` is below `len`, itself a usize; every list passed is a non-empty constant"
)]
fn round<'a>(names: &[&'a str], i: u64) -> &'a str {
    names[(i % names.len() as u64) as usize]
}

/// Adds `count` generated customers (numbers [`demo_phone`]`(0..count)`), in batches,
/// reporting progress on stderr. Numbers already present are skipped.
pub async fn generate_customers(state: &AppState, count: u64) -> anyhow::Result<()> {
    use crm_store::demo::{insert_customers, BulkCustomer};
    let shop = crm_store::stores::ensure(
        &state.db,
        "ABJ-PLATEAU",
        "Supermarché Plateau",
        "Abidjan",
        "Africa/Abidjan",
    )
    .await?;
    // SQLite binds at most 32 766 values per statement: 1 000 rows × 23 columns.
    const BATCH: u64 = 1_000;
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
                    first_name: round(&FIRST_NAMES, i).to_owned(),
                    last_name: round(&LAST_NAMES, i / 24).to_owned(),
                    city: round(&CITIES, i).to_owned(),
                    level,
                    points: spend / 1_000,
                    lifetime_spend: spend,
                    purchases_count: spend / 15_000,
                    registered_at: chrono::Utc::now() - chrono::Duration::days((i % 1_000) as i64),
                    home_store_id: shop.id,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        insert_customers(&state.db, batch).await?;
        done = end;
        progress("Clients", done, count, started);
    }
    eprintln!();
    // Fresh statistics before the first query: right after a bulk load PostgreSQL's
    // planner still believes a name prefix matches a few dozen rows, and sorts 40 000 of
    // them for a page of 20 (docs/benchmarks.md, customer search).
    crm_store::demo::refresh_statistics(&state.db).await?;
    Ok(())
}

/// One redrawn line: `Clients  [#####-----]  52 % 52000/100000  8.1 s`.
pub(crate) fn progress(what: &str, done: u64, total: u64, started: std::time::Instant) {
    const WIDTH: usize = 30;
    // At most WIDTH once `done` is capped at `total`, so the conversion cannot fail.
    let filled = usize::try_from(done.min(total) * WIDTH as u64 / total.max(1)).unwrap_or(WIDTH);
    eprint!(
        "\r{what:<8} [{}{}] {:>3} % {done}/{total}  {:.1} s",
        "#".repeat(filled),
        "-".repeat(WIDTH - filled),
        done * 100 / total.max(1),
        started.elapsed().as_secs_f64()
    );
}

/// Demo catalogue: (EAN-13 without check digit, SKU, name, category, price TTC, cost, VAT bp).
pub const DEMO_PRODUCTS: [(&str, &str, &str, &str, i64, i64, u32); 16] = [
    (
        "619100000001",
        "RIZ-5KG",
        "Riz parfumé 5 kg",
        "ALIMENTAIRE",
        4_500,
        3_600,
        1_800,
    ),
    (
        "619100000002",
        "HUILE-1L",
        "Huile de palme raffinée 1 L",
        "ALIMENTAIRE",
        1_350,
        1_050,
        1_800,
    ),
    (
        "619100000003",
        "SUCRE-1KG",
        "Sucre en poudre 1 kg",
        "ALIMENTAIRE",
        900,
        700,
        1_800,
    ),
    (
        "619100000004",
        "LAIT-400G",
        "Lait en poudre 400 g",
        "ALIMENTAIRE",
        2_750,
        2_200,
        1_800,
    ),
    (
        "619100000005",
        "ATTIEKE-1KG",
        "Attiéké 1 kg",
        "ALIMENTAIRE",
        1_000,
        750,
        0,
    ),
    (
        "619100000006",
        "CAFE-250G",
        "Café moulu 250 g",
        "ALIMENTAIRE",
        2_100,
        1_600,
        1_800,
    ),
    (
        "619100000007",
        "EAU-1L5",
        "Eau minérale 1,5 L",
        "BOISSONS",
        400,
        280,
        1_800,
    ),
    (
        "619100000008",
        "BISSAP-1L",
        "Jus de bissap 1 L",
        "BOISSONS",
        1_200,
        800,
        1_800,
    ),
    (
        "619100000009",
        "BIERE-65CL",
        "Bière blonde 65 cl",
        "BOISSONS",
        800,
        560,
        1_800,
    ),
    (
        "619100000010",
        "SAVON-200G",
        "Savon de Marseille 200 g",
        "HYGIENE",
        650,
        450,
        1_800,
    ),
    (
        "619100000011",
        "DENTIF-75ML",
        "Dentifrice 75 ml",
        "HYGIENE",
        1_100,
        800,
        1_800,
    ),
    (
        "619100000012",
        "PAGNE-6Y",
        "Pagne wax 6 yards",
        "VETEMENTS",
        15_000,
        10_500,
        1_800,
    ),
    (
        "619100000013",
        "TSHIRT-M",
        "T-shirt coton taille M",
        "VETEMENTS",
        3_500,
        2_100,
        1_800,
    ),
    (
        "619100000014",
        "TORCHE-LED",
        "Lampe torche LED rechargeable",
        "ELECTRONIQUE",
        6_500,
        4_800,
        1_800,
    ),
    (
        "619100000015",
        "CHARGEUR-USB",
        "Chargeur USB double port",
        "ELECTRONIQUE",
        4_000,
        2_600,
        1_800,
    ),
    (
        "619100000016",
        "SEAU-10L",
        "Seau plastique 10 L",
        "MAISON",
        1_800,
        1_200,
        1_800,
    ),
];

/// Adds the demo catalogue when there is no product yet.
pub async fn seed_catalogue(state: &AppState) -> anyhow::Result<()> {
    if crm_store::products::count(&state.db).await? > 0 {
        return Ok(());
    }
    for (code, sku, name, category, price, cost, vat) in DEMO_PRODUCTS {
        crm_store::products::create(
            &state.db,
            crm_store::products::NewProduct {
                sku: sku.to_owned(),
                barcode: crm_domain::barcode::ean13(code),
                name: name.to_owned(),
                category: category.to_owned(),
                price,
                cost,
                vat_rate_bp: vat as i32,
            },
        )
        .await?;
    }
    Ok(())
}
