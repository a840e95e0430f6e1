//! `crm import legacy`: the old system's CSV export (tests/fixtures/legacy) loads with
//! exact counts and reasons, twice without change, never half; imported people work, and
//! imported coupon uses count against the caps at the till. An export as messy as real
//! ones (tests/fixtures/legacy-dirty: in-store barcodes, a basket paid by a coupon, a sale
//! whose payments fall short, a customer number beyond the id range) drops nothing the
//! old system held, and says what it loaded with a warning and which sales do not agree.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Role;
use crm_server::import::{self, FileState, ImportError, Report};
use crm_tests::{on_both_databases, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join(name)
}

async fn import_fixture(app: &TestApp) -> Report {
    import::legacy(&app.state, &fixture("legacy"))
        .await
        .expect("the fixture imports")
}

/// Every table the import writes to.
const TABLES: [&str; 13] = [
    "users",
    "products",
    "customers",
    "points_ledger",
    "stores",
    "tills",
    "sales",
    "sale_lines",
    "payments",
    "legacy_ids",
    "ticket_counters",
    "coupons",
    "coupon_redemptions",
];

async fn counts(app: &TestApp) -> Vec<(&'static str, i64)> {
    let mut out = Vec::new();
    for table in TABLES {
        out.push((table, app.count(table).await));
    }
    out
}

async fn scalar(app: &TestApp, sql: &str) -> String {
    let row = app
        .state
        .db
        .query_one_raw(Statement::from_string(
            app.state.db.get_database_backend(),
            sql.to_owned(),
        ))
        .await
        .expect("query")
        .expect("one row");
    row.try_get::<String>("", "v")
        .or_else(|_| row.try_get::<i64>("", "v").map(|v| v.to_string()))
        .expect("value")
}

fn assert_counts(
    report: &Report,
    file: &str,
    read: u64,
    imported: u64,
    present: u64,
    rejected: u64,
) {
    let s = report
        .file(file)
        .unwrap_or_else(|| panic!("{file} in the report"));
    assert_eq!(s.state, FileState::Loaded, "{file}");
    assert_eq!(
        (s.read, s.imported, s.already_present, s.rejected),
        (read, imported, present, rejected),
        "{file}: (read, imported, already present, rejected)\n{report}"
    );
}

on_both_databases! {
    async fn the_fixture_loads_with_exact_counts_and_reasons(app) {
        let report = import_fixture(&app).await;
        assert_counts(&report, "users.csv", 4, 3, 0, 1);
        assert_counts(&report, "products.csv", 6, 5, 0, 1);
        assert_counts(&report, "clients.csv", 6, 4, 1, 1);
        assert_counts(&report, "sales.csv", 8, 7, 0, 1);
        assert_counts(&report, "sale_lines.csv", 12, 10, 0, 2);
        assert_counts(&report, "payments.csv", 10, 8, 0, 2);
        assert_counts(&report, "coupons.csv", 8, 4, 0, 4);
        assert_counts(&report, "coupon_uses.csv", 7, 4, 0, 3);
        let rejected: Vec<String> = report
            .rejected
            .iter()
            .map(|r| format!("{}:{}: {}", r.file, r.line, r.reason))
            .collect();
        assert_eq!(
            rejected,
            [
                "users.csv:5: rôle inconnu « STAGIAIRE »",
                "products.csv:7: catégorie inconnue « JOUETS »",
                "clients.csv:5: téléphone invalide",
                "sales.csv:6: client inconnu « C99 » (absent de clients.csv ou refusé)",
                "sale_lines.csv:7: vente inconnue « S5 » (absente de sales.csv ou refusée)",
                "sale_lines.csv:10: quantity invalide « deux »",
                "payments.csv:7: vente inconnue « S5 » (absente de sales.csv ou refusée)",
                "payments.csv:9: moyen de paiement inconnu « BITCOIN »",
                "coupons.csv:6: pourcentage non entier « 12.5 » (nombre entier de 1 à 100 attendu)",
                "coupons.csv:7: client inconnu « C99 » (absent de clients.csv ou refusé)",
                "coupons.csv:8: code « NOEL2025 » en double dans le fichier (ligne 2)",
                "coupons.csv:9: type de coupon inconnu « LOTERIE »",
                "coupon_uses.csv:6: coupon inconnu « K5 » (absent de coupons.csv ou refusé)",
                "coupon_uses.csv:7: vente inconnue « S5 » (absente de sales.csv ou refusée)",
                "coupon_uses.csv:8: vente « S8 » déjà associée à un coupon (ligne 2) : un seul coupon par vente",
            ]
        );
        let text = report.to_string();
        for r in &rejected {
            assert!(text.contains(r.as_str()), "{r} is printed:\n{text}");
        }
        assert!(report.warnings.is_empty(), "every barcode is EAN-13:\n{text}");
        // S7's only payment (BITCOIN) was refused: the sale is kept, and named as not
        // agreeing with its payments.
        let reconciliation = report.reconciliation.as_ref().expect("sales were imported");
        assert_eq!((reconciliation.checked, reconciliation.unbalanced), (7, 1), "{text}");
        assert_eq!(reconciliation.first[0].legacy_id, "S7");
        assert!(
            text.contains("vente S7 (ticket TKT-20251223-0001) : lignes 2400 − remises 120 = 2280, total 2280, paiements 0"),
            "{text}"
        );

        // What is in the database now.
        assert_eq!(app.count("users").await, 3);
        assert_eq!(app.count("products").await, 5);
        assert_eq!(app.count("customers").await, 4, "one invalid phone, one duplicate phone");
        assert_eq!(app.count("sales").await, 7);
        assert_eq!(app.count("sale_lines").await, 10);
        assert_eq!(app.count("payments").await, 8);
        assert_eq!(app.count("points_ledger").await, 4, "one IMPORT entry per customer with points");
        assert_eq!(scalar(&app, "SELECT COUNT(*) AS v FROM points_ledger WHERE kind = 'IMPORT'").await, "4");
        assert_eq!(scalar(&app, "SELECT code AS v FROM stores").await, "LEGACY");
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) AS v FROM sales WHERE status = 'COMPLETED'").await,
            "5",
            "VALIDATED → COMPLETED"
        );
        assert_eq!(scalar(&app, "SELECT COUNT(*) AS v FROM sales WHERE status = 'CANCELLED'").await, "1");
        assert_eq!(scalar(&app, "SELECT COUNT(*) AS v FROM sales WHERE status = 'REFUNDED'").await, "1");
        // S1: 10 200 − 510 = 9 690, VAT 18 % included, 9 points, GOLD discount kept.
        let s1 = "FROM sales WHERE ticket_number = 'TKT-20251220-0001'";
        assert_eq!(scalar(&app, &format!("SELECT total AS v {s1}")).await, "9690");
        assert_eq!(scalar(&app, &format!("SELECT loyalty_discount AS v {s1}")).await, "510");
        assert_eq!(scalar(&app, &format!("SELECT loyalty_percent AS v {s1}")).await, "5");
        assert_eq!(scalar(&app, &format!("SELECT vat_total AS v {s1}")).await, "1478");
        assert_eq!(scalar(&app, &format!("SELECT points_earned AS v {s1}")).await, "9");
        assert_eq!(
            scalar(&app, "SELECT CAST(SUM(l.discount) AS BIGINT) AS v FROM sale_lines l JOIN sales s ON s.id = l.sale_id \
                          WHERE s.ticket_number = 'TKT-20251220-0001'").await,
            "510",
            "the discount is spread over the lines"
        );
        // S8 was rung at 23:30 on 31 December at UTC−1: 1 January in Abidjan.
        assert_eq!(
            scalar(&app, "SELECT CAST(business_date AS TEXT) AS v FROM sales WHERE ticket_number = 'TKT-20251231-0001'").await,
            "2026-01-01"
        );
        assert_eq!(
            scalar(&app, "SELECT points_earned AS v FROM sales WHERE ticket_number = 'TKT-20251221-0002'").await,
            "0",
            "a refunded sale keeps no points"
        );
        // S2 (14 500 FCFA, no customer) credits nobody: no points.
        assert_eq!(
            scalar(&app, "SELECT points_earned AS v FROM sales WHERE ticket_number = 'TKT-20251220-0002'").await,
            "0",
            "an anonymous sale earns no points"
        );
        // The mixed payment of S2: Orange Money + cash.
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) AS v FROM payments p JOIN sales s ON s.id = p.sale_id \
                          WHERE s.ticket_number = 'TKT-20251220-0002'").await,
            "2"
        );
        for method in ["ESPECES", "ORANGE_MONEY", "CARTE", "MTN_MOMO", "WAVE", "MOOV_MONEY"] {
            let n = scalar(&app, &format!("SELECT COUNT(*) AS v FROM payments WHERE method = '{method}'")).await;
            assert_ne!(n, "0", "{method} mapped from the legacy code");
        }
        // Users: a plain password forces a change; an argon2 hash is kept as is.
        let plain = crm_store::users::find_by_username(&app.state.db, "ytraore").await.unwrap().unwrap();
        assert!(plain.must_change_password);
        assert_eq!(plain.role, "CASHIER");
        let hashed = crm_store::users::find_by_username(&app.state.db, "akone").await.unwrap().unwrap();
        assert!(!hashed.must_change_password);
        assert!(hashed.password_hash.starts_with("$argon2id$"));
        let dg = crm_store::users::find_by_username(&app.state.db, "mbamba").await.unwrap().unwrap();
        assert_eq!(dg.role, "DIRECTOR");
        assert!(dg.must_change_password, "a pbkdf2 hash cannot be kept");
    }
}

on_both_databases! {
    async fn imported_customers_carry_their_history(app) {
        import_fixture(&app).await;
        let row = |number: &str| {
            format!("FROM customers WHERE customer_number = '{number}'")
        };
        // Aya: S1 (9 690) and S7 (2 280, rung on her duplicate legacy record).
        let aya = row("CLT00001");
        assert_eq!(scalar(&app, &format!("SELECT level AS v {aya}")).await, "GOLD");
        assert_eq!(scalar(&app, &format!("SELECT points AS v {aya}")).await, "1240");
        assert_eq!(scalar(&app, &format!("SELECT lifetime_spend AS v {aya}")).await, "11970");
        assert_eq!(scalar(&app, &format!("SELECT purchases_count AS v {aya}")).await, "2");
        // Koffi: one cancelled and one refunded sale count for nothing.
        let koffi = row("CLT00002");
        assert_eq!(scalar(&app, &format!("SELECT lifetime_spend AS v {koffi}")).await, "0");
        assert_eq!(scalar(&app, &format!("SELECT purchases_count AS v {koffi}")).await, "0");
        assert_eq!(scalar(&app, &format!("SELECT city AS v {koffi}")).await, "Bouaké");
        // Fatou: TOUS → STANDARD, no city → Abidjan.
        let fatou = row("CLT00003");
        assert_eq!(scalar(&app, &format!("SELECT level AS v {fatou}")).await, "STANDARD");
        assert_eq!(scalar(&app, &format!("SELECT city AS v {fatou}")).await, "Abidjan");
        assert_eq!(scalar(&app, &format!("SELECT CAST(birth_date AS TEXT) AS v {fatou}")).await, "1995-09-30");
        assert_eq!(scalar(&app, &format!("SELECT lifetime_spend AS v {fatou}")).await, "4700");
        let ibrahim = row("CLT00006");
        assert_eq!(scalar(&app, &format!("SELECT level AS v {ibrahim}")).await, "VIP");
        assert_eq!(scalar(&app, &format!("SELECT points AS v {ibrahim}")).await, "3980");
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) AS v {}", row("CLT00005"))).await, "0", "the duplicate is not a customer");
        // Phones are stored encrypted only.
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) AS v FROM customers WHERE phone_cipher LIKE '%0701020304%' OR phone_index LIKE '%0701020304%'").await,
            "0"
        );
    }
}

/// Every coupon's use count, and the discounts of the sales (one text, to compare).
const COUPON_STATE: &str = "SELECT (SELECT CAST(SUM(uses_count) AS TEXT) FROM coupons) || '/' || \
     (SELECT CAST(SUM(loyalty_discount) AS TEXT) || '/' || CAST(SUM(coupon_discount) AS TEXT) FROM sales) AS v";

on_both_databases! {
    async fn importing_twice_changes_nothing(app) {
        let first = import_fixture(&app).await;
        assert!(first.imported() > 0);
        let before = counts(&app).await;
        let coupons_before = scalar(&app, COUPON_STATE).await;
        let aya = "FROM customers WHERE customer_number = 'CLT00001'";
        let standing = format!("SELECT CAST(points AS TEXT) || '/' || CAST(lifetime_spend AS TEXT) || '/' || CAST(purchases_count AS TEXT) AS v {aya}");
        let aya_before = scalar(&app, &standing).await;
        assert_eq!(aya_before, "1240/11970/2");

        let second = import_fixture(&app).await;
        assert_eq!(counts(&app).await, before, "a second run writes nothing");
        assert_eq!(scalar(&app, COUPON_STATE).await, coupons_before, "uses and discounts counted once");
        assert_eq!(scalar(&app, &standing).await, aya_before);
        assert_eq!(second.imported(), 0);
        assert_counts(&second, "users.csv", 4, 0, 3, 1);
        assert_counts(&second, "products.csv", 6, 0, 5, 1);
        assert_counts(&second, "clients.csv", 6, 0, 5, 1);
        assert_counts(&second, "sales.csv", 8, 0, 7, 1);
        assert_counts(&second, "sale_lines.csv", 12, 0, 10, 2);
        assert_counts(&second, "payments.csv", 10, 0, 8, 2);
        assert_counts(&second, "coupons.csv", 8, 0, 4, 4);
        assert_counts(&second, "coupon_uses.csv", 7, 0, 4, 3);
        assert_eq!(second.rejected, first.rejected, "the same rows refused for the same reasons");
        assert!(second.to_string().contains("Rien de nouveau"), "{second}");
    }
}

on_both_databases! {
    async fn a_missing_column_is_refused_before_anything_is_written(app) {
        let before = counts(&app).await;
        let err = import::legacy(&app.state, &fixture("legacy-missing-column"))
            .await
            .expect_err("clients.csv has no phone column");
        assert!(
            matches!(&err, ImportError::MissingColumn { file: "clients.csv", column } if column == "phone"),
            "{err:?}"
        );
        let message = err.to_string();
        assert!(message.contains("clients.csv") && message.contains("« phone »"), "{message}");
        assert!(message.contains("rien n'a été importé"), "{message}");
        assert_eq!(counts(&app).await, before, "users.csv was valid, yet nothing is written");

        let missing = import::legacy(&app.state, &fixture("no-such-export")).await;
        assert!(matches!(missing, Err(ImportError::NoDirectory(_))));
        assert_eq!(counts(&app).await, before);
    }
}

on_both_databases! {
    async fn imported_staff_log_in_and_customers_are_found_by_phone(app) {
        import_fixture(&app).await;
        // Plain legacy password, hashed on import: it opens a session that must first
        // replace it.
        let flagged = app.login_body("ytraore", "Bienvenue2026!").await;
        assert_eq!(flagged["user"]["role"], "CASHIER");
        assert_eq!(flagged["user"]["must_change_password"], true);
        let changed = app
            .call("POST", "/api/v1/auth/password", flagged["access_token"].as_str(),
                  Some(serde_json::json!({"current_password": "Bienvenue2026!", "new_password": "Nouveau2026!"})))
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        let login = changed.body;
        let token = login["access_token"].as_str().unwrap().to_owned();
        // Kept argon2 hash.
        app.login_body("akone", "Caisse2026!").await;

        // Imported sales count in the cashier's history ("Mes ventes").
        let history = app
            .call("GET", "/api/v1/sales/mine?period=custom&from=2025-11-01&to=2025-12-31", Some(&token), None)
            .await;
        assert_eq!(history.status, 200, "{}", history.body);
        let me = login["user"]["id"].as_i64().unwrap();
        let expected = app
            .state
            .db
            .query_one_raw(sea_orm::Statement::from_string(
                app.state.db.get_database_backend(),
                format!("SELECT COUNT(*) AS n, COALESCE(SUM(total), 0) AS revenue FROM sales WHERE cashier_id = {me} AND status IN ('COMPLETED', 'REFUNDED') AND business_date >= '2025-11-01' AND business_date <= '2025-12-31'"),
            ))
            .await
            .unwrap()
            .unwrap();
        let n: i64 = expected.try_get("", "n").unwrap();
        assert!(n > 0, "the fixture gives this cashier sales (a refund is money out on its day; the sale stays)");
        assert_eq!(history.body["summary"]["sales_count"], n);

        // Imported as "+225 07 01 02 03 04", typed at the till as "0701020304".
        let found = app
            .call("POST", "/api/v1/customers/identify", Some(&token), Some(json!({"phone": "0701020304"})))
            .await;
        assert_eq!(found.status, 200, "{}", found.body);
        assert_eq!(found.body["customer"]["customer_number"], "CLT00001");
        assert_eq!(found.body["customer"]["first_name"], "Aya");
        assert_eq!(found.body["loyalty"]["level"], "GOLD");
        assert_eq!(found.body["loyalty"]["points"], 1240);
        assert_eq!(found.body["customer"]["lifetime_spend"], 11970);
        let other_form = app
            .call("POST", "/api/v1/customers/identify", Some(&token), Some(json!({"phone": "+225 27 22 44 66 88"})))
            .await;
        assert_eq!(other_form.status, 200, "{}", other_form.body);
        assert_eq!(other_form.body["customer"]["customer_number"], "CLT00003");
        // The invalid number was not imported.
        let refused = app
            .call("POST", "/api/v1/customers/identify", Some(&token), Some(json!({"phone": "0566778899"})))
            .await;
        refused.assert_problem(404, "customer.not_found");
    }
}

on_both_databases! {
    async fn the_report_never_shows_a_phone(app) {
        let report = import_fixture(&app).await;
        let text = report.to_string();
        let clients = std::fs::read_to_string(fixture("legacy").join("clients.csv")).unwrap();
        for line in clients.lines().skip(1) {
            let phone = line.split(',').nth(2).unwrap();
            let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
            let national = &digits[digits.len().saturating_sub(10)..];
            for form in [phone, digits.as_str(), national] {
                assert!(!text.contains(form), "phone {form:?} appears in the report:\n{text}");
            }
        }
        let again = import_fixture(&app).await.to_string();
        assert!(!again.contains("0701020304") && !again.contains("12345"), "{again}");
    }
}

on_both_databases! {
    async fn legacy_coupons_keep_their_codes_caps_and_uses(app) {
        import_fixture(&app).await;
        let coupon = |code: &str, columns: &str| {
            format!("SELECT {columns} AS v FROM coupons WHERE code = '{code}'")
        };
        let text = |e: &str| format!("COALESCE(CAST({e} AS TEXT), '-')");
        let shape = [
            "kind", "discount_kind", "value", "global_cap", "per_customer_cap", "min_basket",
            "required_level", "status", "uses_count",
        ]
        .map(text)
        .join(" || '/' || ");
        assert_eq!(app.count("coupons").await, 4);
        assert_eq!(
            scalar(&app, &coupon("NOEL2025", &shape)).await,
            "GENERIC/PERCENT/10/500/1/10000/-/ACTIVE/1"
        );
        // "fidele c2": code normalised, SPECIAL_CLIENT, "1000.00", empty caps, French status.
        assert_eq!(
            scalar(&app, &coupon("FIDELEC2", &shape)).await,
            "SPECIAL/FIXED/1000/-/1/0/SILVER/ACTIVE/0",
            "its only use was on a refunded sale"
        );
        assert_eq!(
            scalar(&app, &coupon("RENTREE2025", &shape)).await,
            "GENERIC/PERCENT/15/-/2/5000/-/EXPIRED/0",
            "GENERIQUE, TOUS = no level required, EXPIRE"
        );
        assert_eq!(
            scalar(&app, &coupon("BIENVENUE", &shape)).await,
            "GENERIC/FIXED/500/2/5/0/-/ACTIVE/2",
            "PUBLIC; its global cap is reached"
        );
        assert_eq!(
            scalar(&app, &coupon("FIDELEC2", "c.customer_number")
                .replace("FROM coupons WHERE", "FROM coupons JOIN customers c ON c.id = coupons.customer_id WHERE")).await,
            "CLT00002"
        );
        assert_eq!(
            scalar(&app, &coupon("NOEL2025", "CAST(valid_from AS TEXT) || ' ' || CAST(valid_to AS TEXT)")).await,
            "2025-12-01 2026-01-05",
            "timestamps give their day in Abidjan"
        );
        assert_eq!(scalar(&app, &coupon("NOEL2025", "description")).await, "Promo de Noël");
        assert_eq!(
            scalar(&app, &coupon("BIENVENUE", "description")).await,
            "Coupon repris de l'ancien système"
        );
        assert_eq!(scalar(&app, &coupon("NOEL2025", "eligible_categories || '/' || CASE WHEN stacks_with_loyalty THEN 'oui' ELSE 'non' END")).await, "/oui");

        // uses_count = the unreleased uses, as the till keeps it.
        assert_eq!(app.count("coupon_redemptions").await, 4);
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) AS v FROM coupons c WHERE c.uses_count <> \
                          (SELECT COUNT(*) FROM coupon_redemptions r WHERE r.coupon_id = c.id AND r.released_at IS NULL)").await,
            "0"
        );
        let use_on = |ticket: &str, columns: &str| {
            format!("SELECT {columns} AS v FROM coupon_redemptions r JOIN sales s ON s.id = r.sale_id \
                     LEFT JOIN customers c ON c.id = r.customer_id WHERE s.ticket_number = '{ticket}'")
        };
        let use_shape = format!(
            "{} || '/' || {} || '/' || CASE WHEN r.released_at IS NULL THEN 'compte' ELSE 'libéré' END",
            text("r.amount"),
            text("c.customer_number")
        );
        assert_eq!(scalar(&app, &use_on("TKT-20251231-0001", &use_shape)).await, "2385/CLT00006/compte");
        assert_eq!(scalar(&app, &use_on("TKT-20251220-0002", &use_shape)).await, "500/-/compte", "anonymous sale");
        assert_eq!(scalar(&app, &use_on("TKT-20251222-0002", &use_shape)).await, "500/CLT00003/compte");
        assert_eq!(
            scalar(&app, &use_on("TKT-20251221-0002", &use_shape)).await,
            "1000/CLT00002/libéré",
            "a use on a refunded sale is released"
        );
        assert_eq!(
            scalar(&app, &use_on("TKT-20251221-0002", "CASE WHEN r.released_at = r.at THEN 'oui' ELSE 'non' END")).await,
            "oui"
        );

        // The coupon's part of the old single discount is now the sale's coupon discount.
        let split = |ticket: &str| {
            format!("SELECT CAST(loyalty_discount AS TEXT) || '/' || loyalty_percent || '/' || \
                     CAST(coupon_discount AS TEXT) || '/' || CAST(total AS TEXT) AS v FROM sales WHERE ticket_number = '{ticket}'")
        };
        assert_eq!(scalar(&app, &split("TKT-20251231-0001")).await, "2650/10/2385/21465", "VIP 10 % + NOEL2025");
        assert_eq!(scalar(&app, &split("TKT-20251220-0002")).await, "0/0/500/14500");
        assert_eq!(scalar(&app, &split("TKT-20251221-0002")).await, "660/3/1000/20340");
        assert_eq!(scalar(&app, &split("TKT-20251220-0001")).await, "510/5/0/9690", "no coupon: unchanged");
    }
}

on_both_databases! {
    async fn an_imported_coupon_at_its_cap_is_refused_at_the_till(app) {
        import_fixture(&app).await;
        let cashier = app.token_for(Role::Cashier).await;
        let admin = app.token_for(Role::Admin).await;
        let basket = |code: &str| {
            json!({"code": code, "lines": [{"barcode": "6181000000017", "quantity": 1}]})
        };
        // BIENVENUE: global cap 2, reached by the two uses imported on completed sales.
        let quote = app
            .call("POST", "/api/v1/coupons/quote", Some(&cashier), Some(basket("bienvenue")))
            .await;
        assert_eq!(quote.status, 200, "{}", quote.body);
        assert_eq!(quote.body["valid"], false, "{}", quote.body);
        assert_eq!(quote.body["reason_code"], "coupon.global_cap_reached", "{}", quote.body);
        assert_eq!(quote.body["discount"], 0);

        // The imported sale shows its coupon on the receipt…
        let s2: i64 = scalar(&app, "SELECT id AS v FROM sales WHERE ticket_number = 'TKT-20251220-0002'")
            .await
            .parse()
            .unwrap();
        let receipt = app.call("GET", &format!("/api/v1/sales/{s2}"), Some(&admin), None).await;
        assert_eq!(receipt.status, 200, "{}", receipt.body);
        assert_eq!(receipt.body["coupon_code"], "BIENVENUE", "{}", receipt.body);
        assert_eq!(receipt.body["coupon_discount"], 500);
        // …and refunding it now releases its use like any other: the code works again.
        let refund = app
            .call("POST", &format!("/api/v1/sales/{s2}/refund"), Some(&admin), Some(json!({"reason": "retour client"})))
            .await;
        assert_eq!(refund.status, 200, "{}", refund.body);
        let again = app
            .call("POST", "/api/v1/coupons/quote", Some(&cashier), Some(basket("BIENVENUE")))
            .await;
        assert_eq!(again.status, 200, "{}", again.body);
        assert_eq!(again.body["valid"], true, "{}", again.body);
        assert_eq!(again.body["discount"], 500);
        assert_eq!(scalar(&app, "SELECT CAST(uses_count AS BIGINT) AS v FROM coupons WHERE code = 'BIENVENUE'").await, "1");
    }
}

on_both_databases! {
    async fn a_coupon_file_missing_a_column_is_refused_before_anything_is_written(app) {
        let before = counts(&app).await;
        let err = import::legacy(&app.state, &fixture("legacy-coupons-missing-column"))
            .await
            .expect_err("coupons.csv has no global_limit column");
        assert!(
            matches!(&err, ImportError::MissingColumn { file: "coupons.csv", column } if column == "global_limit"),
            "{err:?}"
        );
        assert!(err.to_string().contains("rien n'a été importé"), "{err}");
        assert_eq!(counts(&app).await, before, "users.csv and clients.csv were valid, yet nothing is written");
    }
}

/// The messy export: in-store barcodes, a coupon-paid basket, a short-paid sale, a
/// customer number beyond the id range.
async fn import_dirty(app: &TestApp) -> Report {
    import::legacy(&app.state, &fixture("legacy-dirty"))
        .await
        .expect("the messy export imports")
}

fn reasons(remarks: &crm_server::import::Remarks) -> Vec<String> {
    remarks
        .iter()
        .map(|r| format!("{}:{}: {}", r.file, r.line, r.reason))
        .collect()
}

/// A checkout of one unit of the product with `barcode`, paid in cash.
async fn checkout_by_barcode(
    app: &TestApp,
    token: &str,
    barcode: &str,
    cash: i64,
) -> crm_tests::Reply {
    let res = app
        .client
        .post(app.url("/api/v1/sales"))
        .bearer_auth(token)
        .header("Idempotency-Key", format!("import-{barcode}"))
        .json(&json!({
            "lines": [{"barcode": barcode, "quantity": 1}],
            "payments": [{"method": "ESPECES", "amount": cash}]
        }))
        .send()
        .await
        .expect("request sent");
    let status = res.status().as_u16();
    let content_type = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let body = res.json().await.unwrap_or(serde_json::Value::Null);
    crm_tests::Reply {
        status,
        content_type,
        body,
    }
}

on_both_databases! {
    async fn products_with_non_ean_barcodes_are_imported_warned_and_scannable(app) {
        let report = import_dirty(&app).await;
        assert_counts(&report, "products.csv", 6, 6, 0, 0);
        assert_eq!(
            reasons(&report.warnings),
            [
                "products.csv:3: code-barres « MAG00017 » non EAN-13 (code magasin ou erreur de saisie) : gardé tel quel, la caisse le trouve à ce code",
                "products.csv:4: code-barres « 6181000000018 » non EAN-13 (code magasin ou erreur de saisie) : gardé tel quel, la caisse le trouve à ce code",
                "products.csv:5: code-barres « 2001 » non EAN-13 (code magasin ou erreur de saisie) : gardé tel quel, la caisse le trouve à ce code",
                "products.csv:6: code-barres « MAG00017 » déjà porté par la ligne 3 : produit importé sans code-barres",
            ]
        );
        let text = report.to_string();
        assert!(text.contains("Avertissements : lignes importées à vérifier (4) :"), "{text}");
        assert_eq!(scalar(&app, "SELECT barcode AS v FROM products WHERE sku = 'PAIN-MAG'").await, "MAG00017");
        assert_eq!(scalar(&app, "SELECT COUNT(*) AS v FROM products WHERE sku = 'BOL-PLAST' AND barcode IS NULL").await, "1");

        // The till finds them by the code on their label, and sells them.
        let cashier = app.token_for(Role::Cashier).await;
        for (code, sku) in [("MAG00017", "PAIN-MAG"), ("6181000000018", "EAU-15L"), ("2001", "SAV-200")] {
            let found = app
                .call("GET", &format!("/api/v1/products?barcode={code}"), Some(&cashier), None)
                .await;
            assert_eq!(found.status, 200, "{}", found.body);
            assert_eq!(found.body["total"], 1, "{code}: {}", found.body);
            assert_eq!(found.body["items"][0]["sku"], sku);
        }
        let sold = checkout_by_barcode(&app, &cashier, "MAG00017", 1_200).await;
        assert_eq!(sold.status, 201, "{}", sold.body);
        assert_eq!(sold.body["total"], 1_200, "{}", sold.body);
    }
}

on_both_databases! {
    async fn a_kept_sale_keeps_every_line_and_its_payments_even_of_zero(app) {
        let report = import_dirty(&app).await;
        assert_counts(&report, "sales.csv", 4, 3, 0, 1);
        assert_counts(&report, "sale_lines.csv", 8, 7, 0, 1);
        assert_counts(&report, "payments.csv", 4, 3, 0, 1);
        // S4's customer was refused, so S4 was; its line and payment follow it.
        assert_eq!(
            reasons(&report.rejected),
            [
                "clients.csv:3: numéro client « CLT9223372036854775807 » hors de la plage des identifiants (au plus CLT9999999)",
                "sales.csv:5: client inconnu « C2 » (absent de clients.csv ou refusé)",
                "sale_lines.csv:9: vente inconnue « S4 » (absente de sales.csv ou refusée)",
                "payments.csv:5: vente inconnue « S4 » (absente de sales.csv ou refusée)",
            ]
        );
        // S1: four lines on four products, three of them with in-store codes; they add up
        // to its subtotal, and its discount is spread over them.
        let s1 = "FROM sale_lines l JOIN sales s ON s.id = l.sale_id WHERE s.ticket_number = 'TKT-20251220-0001'";
        assert_eq!(scalar(&app, &format!("SELECT COUNT(*) AS v {s1}")).await, "4");
        assert_eq!(scalar(&app, &format!("SELECT CAST(SUM(l.line_total) AS BIGINT) AS v {s1}")).await, "4750");
        assert_eq!(scalar(&app, &format!("SELECT CAST(SUM(l.discount) AS BIGINT) AS v {s1}")).await, "475");
        // S2: a basket a coupon covered entirely, paid 0 FCFA.
        let s2 = "FROM payments p JOIN sales s ON s.id = p.sale_id WHERE s.ticket_number = 'TKT-20251220-0002'";
        assert_eq!(scalar(&app, &format!("SELECT CAST(p.amount AS TEXT) || '/' || p.method AS v {s2}")).await, "0/ESPECES");
        assert_eq!(scalar(&app, "SELECT total AS v FROM sales WHERE ticket_number = 'TKT-20251220-0002'").await, "0");
        // No line of a kept sale is missing: every line names a sale, every kept sale's
        // lines add up to its subtotal.
        assert_eq!(
            scalar(&app, "SELECT COUNT(*) AS v FROM sales s WHERE s.subtotal <> \
                          (SELECT COALESCE(SUM(l.line_total), 0) FROM sale_lines l WHERE l.sale_id = s.id)").await,
            "0"
        );
    }
}

on_both_databases! {
    async fn the_reconciliation_names_a_sale_that_does_not_agree_and_leaves_it(app) {
        let report = import_dirty(&app).await;
        let r = report.reconciliation.as_ref().expect("sales were imported");
        assert_eq!((r.checked, r.unbalanced), (3, 1));
        let s3 = &r.first[0];
        assert_eq!(
            (s3.legacy_id.as_str(), s3.ticket_number.as_str(), s3.lines, s3.discount, s3.total, s3.paid),
            ("S3", "TKT-20251220-0003", 2200, 0, 2200, 2000)
        );
        let text = report.to_string();
        assert!(
            text.ends_with(
                "Rapprochement des ventes importées (lignes − remises = total = paiements) : 3 vérifiées, 1 ne concordent pas (laissées telles quelles) :\n\
                 vente S3 (ticket TKT-20251220-0003) : lignes 2200 − remises 0 = 2200, total 2200, paiements 2000\n"
            ),
            "{text}"
        );
        // Named, not corrected.
        let sale = "FROM sales WHERE ticket_number = 'TKT-20251220-0003'";
        assert_eq!(scalar(&app, &format!("SELECT CAST(total AS TEXT) || '/' || CAST(paid AS TEXT) AS v {sale}")).await, "2200/2200");
        assert_eq!(
            scalar(&app, "SELECT CAST(SUM(p.amount) AS BIGINT) AS v FROM payments p JOIN sales s ON s.id = p.sale_id \
                          WHERE s.ticket_number = 'TKT-20251220-0003'").await,
            "2000"
        );

        // A second run imports nothing and gives the same reconciliation.
        let before = counts(&app).await;
        let again = import_dirty(&app).await;
        assert_eq!(again.imported(), 0);
        assert_eq!(counts(&app).await, before);
        assert_eq!(again.reconciliation, report.reconciliation);
        assert_eq!(again.rejected, report.rejected);
        assert!(again.warnings.is_empty(), "nothing loaded again, nothing to warn about again");
    }
}

on_both_databases! {
    async fn a_customer_number_beyond_the_id_range_is_refused_and_customers_can_still_be_created(app) {
        let report = import_dirty(&app).await;
        assert_counts(&report, "clients.csv", 2, 1, 0, 1);
        assert_eq!(scalar(&app, "SELECT COUNT(*) AS v FROM customers WHERE customer_number = 'CLT0000042'").await, "1");
        let cashier = app.token_for(Role::Cashier).await;
        let created = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0707070707", "first_name": "Awa"})))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let number = created.body["customer"]["customer_number"].as_str().unwrap().to_owned();
        let id = created.body["customer"]["id"].as_i64().unwrap();
        assert!(id > 42, "ids up to the kept CLT0000042 are set aside: {id}");
        assert_ne!(number, "CLT0000042");
    }
}

on_both_databases! {
    async fn rows_of_a_windows_file_are_named_by_their_own_line(app) {
        // An export saved with \r\n line ends, as Excel and Windows tools write it.
        let dir = std::env::temp_dir().join(format!("crm-import-crlf-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("users.csv"),
            "user_id,username,password,password_hash,role\r\n\
             1,akouame,Bienvenue2026!,,CAISSIER\r\n\
             2,stagiaire1,Stage2026!,,STAGIAIRE\r\n\
             \r\n\
             3,ytraore,Bienvenue2026!,,CAISSIER\r\n",
        )
        .unwrap();
        let report = import::legacy(&app.state, &dir).await.expect("imports");
        std::fs::remove_dir_all(&dir).unwrap();
        assert_counts(&report, "users.csv", 3, 2, 0, 1);
        assert_eq!(reasons(&report.rejected), ["users.csv:3: rôle inconnu « STAGIAIRE »"]);
        let akouame = crm_store::users::find_by_username(&app.state.db, "akouame").await.unwrap().unwrap();
        assert_eq!(akouame.role, "CASHIER", "the \\r of the last field is not part of the role");
        app.login_body("ytraore", "Bienvenue2026!").await;
    }
}

/// The import's pool on PostgreSQL plans each lookup with its values: a plan made once
/// while `legacy_ids` was small turned every later batch into a scan (3.5 s a batch).
/// The server's pool keeps PostgreSQL's default, which identify at the till relies on.
#[tokio::test]
async fn the_bulk_load_pool_plans_every_statement_with_its_values() {
    use crm_store::Workload;
    let url = crm_tests::pg_admin_url();
    let plan_cache_mode = async |workload| {
        let db = crm_store::connect_for(&url, workload).await.unwrap();
        let row = db
            .query_one_raw(Statement::from_string(
                db.get_database_backend(),
                "SHOW plan_cache_mode",
            ))
            .await
            .unwrap()
            .unwrap();
        row.try_get::<String>("", "plan_cache_mode").unwrap()
    };
    assert_eq!(
        plan_cache_mode(Workload::BulkLoad).await,
        "force_custom_plan"
    );
    assert_eq!(plan_cache_mode(Workload::Serve).await, "auto");
}
