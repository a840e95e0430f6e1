//! The administration back office on SQLite and PostgreSQL, through the real server:
//! staff accounts (creation with a temporary password that must be changed, a
//! deactivated account's token refused at its next request, the director reading only),
//! stores with a checked time zone and their tills (a closed till takes no sale), and the
//! catalogue (EAN-13 refused, price changes audited without touching past sales, the
//! price-list import: a dry run writes nothing, apply writes, bad lines are reported).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use crm_domain::Role;
use crm_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

const PRICE_LIST: &str = "/api/v1/products/price-list";

/// Sends a price list (bytes as written by Excel) in dry-run or apply mode.
async fn price_list(app: &TestApp, token: &str, apply: bool, file: &str) -> crm_tests::Reply {
    app.call_raw(
        &format!("{PRICE_LIST}?apply={apply}"),
        Some(token),
        "text/csv",
        file.as_bytes().to_vec(),
    )
    .await
}

/// The catalogue row of the `i`-th demo product, as the admin reads it.
async fn product(app: &TestApp, admin: &str, i: usize) -> Value {
    let barcode = TestApp::demo_barcode(i);
    let reply = app
        .call(
            "GET",
            &format!("/api/v1/products?barcode={barcode}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"][0].clone()
}

/// The `n`-th (from 0) audit entries about one entity, as JSON values.
async fn audit_of(app: &TestApp, entity: &str, id: i64) -> Vec<(String, Value, Value)> {
    crm_store::audit::for_entity(&app.state.db, entity, &id.to_string())
        .await
        .unwrap()
        .into_iter()
        .map(|e| {
            let parse = |v: Option<String>| {
                v.map(|s| serde_json::from_str(&s).unwrap())
                    .unwrap_or(Value::Null)
            };
            (e.action, parse(e.before), parse(e.after))
        })
        .collect()
}

on_both_databases! {
    async fn an_admin_creates_a_cashier_who_must_change_the_temporary_password(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let stores = app.call("GET", "/api/v1/stores", Some(&admin), None).await;
        let store_id = stores.body[0]["id"].as_i64().unwrap();

        let created = app
            .call("POST", "/api/v1/users", Some(&admin), Some(json!({
                "username": "awa.kone", "display_name": "Awa Koné", "role": "CASHIER",
                "store_id": store_id,
            })))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let account = &created.body["account"];
        assert_eq!(account["username"], "awa.kone");
        assert_eq!(account["role"], "CASHIER");
        assert_eq!(account["must_change_password"], true);
        assert_eq!(account["store_id"], store_id);
        let temporary = created.body["temporary_password"].as_str().unwrap().to_owned();
        crm_domain::password::check(&temporary, "awa.kone").expect("meets the policy");
        let id = account["id"].as_i64().unwrap();
        let entries = audit_of(&app, "user", id).await;
        assert_eq!(entries[0].0, "user.create");
        assert!(!entries[0].2.to_string().contains(&temporary), "no password in the audit log");

        // The same login again, a bad one, an unknown store.
        app.call("POST", "/api/v1/users", Some(&admin), Some(json!({
            "username": "awa.kone", "display_name": "Awa 2", "role": "CASHIER"})))
            .await
            .assert_problem(409, "user.duplicate");
        app.call("POST", "/api/v1/users", Some(&admin), Some(json!({
            "username": "Awa Koné", "display_name": "", "role": "CASHIER", "store_id": 999_999})))
            .await
            .assert_problem(422, "validation.failed");

        // First login: only the password change answers.
        let login = app.login_body("awa.kone", &temporary).await;
        assert_eq!(login["user"]["must_change_password"], true);
        assert_eq!(login["user"]["store_id"], store_id);
        let flagged = login["access_token"].as_str().unwrap().to_owned();
        app.call("GET", "/api/v1/stores", Some(&flagged), None)
            .await
            .assert_problem(403, "auth.password_change_required");
        let changed = app
            .call("POST", "/api/v1/auth/password", Some(&flagged), Some(json!({
                "current_password": temporary, "new_password": "Caisse-Awa-2026"})))
            .await;
        assert!(changed.status < 300, "{} {}", changed.status, changed.body);
        let login = app.login_body("awa.kone", "Caisse-Awa-2026").await;
        assert_eq!(login["user"]["must_change_password"], false);
        let token = login["access_token"].as_str().unwrap().to_owned();
        let tills = app.call("GET", "/api/v1/stores", Some(&token), None).await;
        assert_eq!(tills.status, 200, "the cashier reads the tills: {}", tills.body);
        assert_eq!(tills.body[0]["tills"][0]["code"], "C01");

        // The list: filters by role and state; the director reads it and changes nothing.
        let director = app.token_for(Role::Director).await;
        let cashiers = app.call("GET", "/api/v1/users?role=CASHIER&active=true", Some(&director), None).await;
        assert_eq!(cashiers.status, 200, "{}", cashiers.body);
        assert_eq!(cashiers.body["total"], 1);
        assert_eq!(cashiers.body["items"][0]["username"], "awa.kone");
        assert_eq!(cashiers.body["items"][0]["display_name"], "Awa Koné");
        let stopped = app.call("GET", "/api/v1/users?active=false", Some(&director), None).await;
        assert_eq!(stopped.body["total"], 0);
        app.call("PATCH", &format!("/api/v1/users/{id}"), Some(&director), Some(json!({"active": false})))
            .await
            .assert_problem(403, "auth.forbidden");
        app.call("GET", "/api/v1/users", Some(&token), None)
            .await
            .assert_problem(403, "auth.forbidden");
    }
}

on_both_databases! {
    async fn a_deactivated_users_token_is_refused_on_the_next_request(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        app.create_user("moussa", Role::Cashier, "Caisse2026!").await;
        let login = app.login_body("moussa", "Caisse2026!").await;
        let token = login["access_token"].as_str().unwrap().to_owned();
        let id = login["user"]["id"].as_i64().unwrap();
        assert_eq!(app.call("GET", "/api/v1/stores", Some(&token), None).await.status, 200);

        let stopped = app
            .call("PATCH", &format!("/api/v1/users/{id}"), Some(&admin), Some(json!({"active": false})))
            .await;
        assert_eq!(stopped.status, 200, "{}", stopped.body);
        assert_eq!(stopped.body["active"], false);
        app.call("GET", "/api/v1/stores", Some(&token), None)
            .await
            .assert_problem(401, "auth.session_revoked");
        let listed = app.call("GET", "/api/v1/users?active=false", Some(&admin), None).await;
        assert_eq!(listed.body["items"][0]["username"], "moussa");

        // Reactivated and moved to another store: a new login works again.
        let store = app
            .call("POST", "/api/v1/stores", Some(&admin), Some(json!({
                "code": "BKE01", "name": "Supermarché Bouaké", "city": "Bouaké",
                "timezone": "Africa/Abidjan"})))
            .await;
        let store_id = store.body["id"].as_i64().unwrap();
        let back = app
            .call("PATCH", &format!("/api/v1/users/{id}"), Some(&admin),
                  Some(json!({"active": true, "store_id": store_id})))
            .await;
        assert_eq!(back.status, 200, "{}", back.body);
        assert_eq!(back.body["store_id"], store_id);
        let login = app.login_body("moussa", "Caisse2026!").await;
        assert_eq!(login["user"]["store_id"], store_id);
        // A role change alone leaves the store; `null` takes it away.
        let kept = app
            .call("PATCH", &format!("/api/v1/users/{id}"), Some(&admin), Some(json!({"role": "MARKETING"})))
            .await;
        assert_eq!(kept.body["store_id"], store_id, "{}", kept.body);
        let cleared = app
            .call("PATCH", &format!("/api/v1/users/{id}"), Some(&admin), Some(json!({"store_id": null})))
            .await;
        assert_eq!(cleared.status, 200, "{}", cleared.body);
        assert_eq!(cleared.body["store_id"], Value::Null);
        assert_eq!(app.login_body("moussa", "Caisse2026!").await["user"]["store_id"], Value::Null);
        let actions: Vec<String> = audit_of(&app, "user", id).await.into_iter().map(|e| e.0).collect();
        assert_eq!(actions, ["user.updated", "user.updated", "user.store_changed", "user.updated", "user.store_changed"]);
    }
}

on_both_databases! {
    async fn stores_and_tills_are_managed_and_a_closed_till_takes_no_sale(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let cashier = app.token_for(Role::Cashier).await;

        app.call("POST", "/api/v1/stores", Some(&admin), Some(json!({
            "code": "ABJ02", "name": "Cocody", "city": "Abidjan", "timezone": "Africa/Abidjn"})))
            .await
            .assert_problem(422, "validation.failed");
        app.call("POST", "/api/v1/stores", Some(&admin), Some(json!({
            "code": "ABJ01", "name": "Autre", "city": "Abidjan", "timezone": "Africa/Abidjan"})))
            .await
            .assert_problem(409, "store.duplicate");
        let created = app
            .call("POST", "/api/v1/stores", Some(&admin), Some(json!({
                "code": "ABJ02", "name": "Supermarché Cocody", "city": "Abidjan",
                "address": "Boulevard Latrille", "timezone": "Africa/Abidjan"})))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let store_id = created.body["id"].as_i64().unwrap();
        assert_eq!(created.body["address"], "Boulevard Latrille");

        let changed = app
            .call("PATCH", &format!("/api/v1/stores/{store_id}"), Some(&admin),
                  Some(json!({"address": "Rue des Jardins", "timezone": "Europe/Paris"})))
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(changed.body["timezone"], "Europe/Paris");
        app.call("PATCH", "/api/v1/stores/999999", Some(&admin), Some(json!({"name": "x"})))
            .await
            .assert_problem(404, "store.not_found");

        let till = app
            .call("POST", &format!("/api/v1/stores/{store_id}/tills"), Some(&admin),
                  Some(json!({"code": "C01", "name": "Caisse 1"})))
            .await;
        assert_eq!(till.status, 201, "{}", till.body);
        let till_id = till.body["id"].as_i64().unwrap();
        app.call("POST", &format!("/api/v1/stores/{store_id}/tills"), Some(&admin),
                 Some(json!({"code": "C01", "name": "Encore"})))
            .await
            .assert_problem(409, "till.duplicate");

        // A sale at that till is the new store's.
        let basket = |till: i64| json!({"till_id": till, "lines": [{"barcode": TestApp::demo_barcode(0), "quantity": 1}],
                                        "payments": [{"method": "ESPECES", "amount": 100_000}]});
        let sale = app.sell(&cashier, basket(till_id)).await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        assert_eq!(sale.body["store_code"], "ABJ02");
        assert_eq!(sale.body["till_code"], "C01");

        let closed = app
            .call("PATCH", &format!("/api/v1/tills/{till_id}"), Some(&admin),
                  Some(json!({"name": "Caisse entrée", "active": false})))
            .await;
        assert_eq!(closed.status, 200, "{}", closed.body);
        assert_eq!(closed.body["active"], false);
        assert_eq!(closed.body["name"], "Caisse entrée");
        app.sell(&cashier, basket(till_id)).await.assert_problem(422, "till.not_found");
        app.call("PATCH", "/api/v1/tills/999999", Some(&admin), Some(json!({"active": true})))
            .await
            .assert_problem(404, "till.not_found");

        let listed = app.call("GET", "/api/v1/stores", Some(&cashier), None).await;
        let new_store = listed.body.as_array().unwrap().iter().find(|s| s["code"] == "ABJ02").unwrap().clone();
        assert_eq!(new_store["tills"][0]["active"], false);
        let actions: Vec<String> = audit_of(&app, "till", till_id).await.into_iter().map(|e| e.0).collect();
        assert_eq!(actions, ["till.create", "till.update"]);
        let actions: Vec<String> = audit_of(&app, "store", store_id).await.into_iter().map(|e| e.0).collect();
        assert_eq!(actions, ["store.create", "store.update"]);
    }
}

on_both_databases! {
    async fn catalogue_refuses_bad_barcodes_and_a_price_change_leaves_past_sales_alone(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let cashier = app.token_for(Role::Cashier).await;
        let marketing = app.token_for(Role::Marketing).await;

        let bad = app
            .call("POST", "/api/v1/products", Some(&admin), Some(json!({
                "sku": "LAIT-1L", "barcode": "6191000000017", "name": "Lait 1 L",
                "category": "ALIMENTAIRE", "price": 900, "cost": 600})))
            .await;
        bad.assert_problem(422, "validation.failed");
        assert_eq!(bad.body["errors"][0]["field"], "barcode", "{}", bad.body);
        let rice = product(&app, &admin, 0).await;
        let id = rice["id"].as_i64().unwrap();
        let old_price = rice["price"].as_i64().unwrap();
        app.call("PATCH", &format!("/api/v1/products/{id}"), Some(&admin), Some(json!({"barcode": "123"})))
            .await
            .assert_problem(422, "validation.failed");

        // Searching by a piece of the barcode finds it (marketing reads the catalogue).
        let piece = &TestApp::demo_barcode(0)[3..11];
        let found = app.call("GET", &format!("/api/v1/products?q={piece}"), Some(&marketing), None).await;
        assert!(found.body["items"].as_array().unwrap().iter().any(|p| p["id"] == id), "{}", found.body);

        let sale = app
            .sell(&cashier, json!({"lines": [{"product_id": id, "quantity": 2}],
                                   "payments": [{"method": "ESPECES", "amount": 100_000}]}))
            .await;
        assert_eq!(sale.status, 201, "{}", sale.body);
        let sale_id = sale.body["id"].as_i64().unwrap();
        let total = sale.body["total"].clone();

        let changed = app
            .call("PATCH", &format!("/api/v1/products/{id}"), Some(&admin),
                  Some(json!({"price": old_price + 1_000, "cost": 1_234, "vat_rate_bp": 900})))
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        assert_eq!(changed.body["price"], old_price + 1_000);

        let past = app.call("GET", &format!("/api/v1/sales/{sale_id}"), Some(&admin), None).await;
        assert_eq!(past.body["lines"][0]["unit_price"], old_price, "{}", past.body);
        assert_eq!(past.body["total"], total);
        let entries = audit_of(&app, "product", id).await;
        let (action, before, after) = entries.last().unwrap();
        assert_eq!(action, "product.update");
        assert_eq!(before["price"], old_price);
        assert_eq!(after["price"], old_price + 1_000);
        assert_eq!(after["cost"], 1_234);
        assert_eq!(after["vat_rate_bp"], 900);

        // Deactivated: gone from the till, still in the back office.
        app.call("PATCH", &format!("/api/v1/products/{id}"), Some(&admin), Some(json!({"active": false})))
            .await;
        let at_till = app.call("GET", "/api/v1/products?q=riz", Some(&cashier), None).await;
        assert!(!at_till.body["items"].as_array().unwrap().iter().any(|p| p["id"] == id));
        assert_eq!(product(&app, &admin, 0).await["active"], false);
    }
}

on_both_databases! {
    async fn a_price_list_dry_run_writes_nothing_and_apply_writes(app) {
        app.seed_catalogue().await;
        let admin = app.token_for(Role::Admin).await;
        let rice = product(&app, &admin, 0).await;
        let water = product(&app, &admin, 6).await;
        let (rice_price, rice_cost) = (rice["price"].as_i64().unwrap(), rice["cost"].as_i64().unwrap());
        let water_price = water["price"].as_i64().unwrap();
        let unknown = crm_domain::barcode::ean13("619100009999").unwrap();
        let file = format!(
            "\u{feff}code-barres;prix;coût\r\n{};{} ;{}\r\n{};{}\r\n{unknown};1 000\r\n",
            TestApp::demo_barcode(0), "5\u{a0}250", rice_cost,
            TestApp::demo_barcode(6), water_price,
        );
        let audit_before = app.count("audit_log").await;

        let dry = price_list(&app, &admin, false, &file).await;
        assert_eq!(dry.status, 200, "{}", dry.body);
        assert_eq!(dry.body["applied"], false);
        assert_eq!(dry.body["lines"], 3);
        assert_eq!(dry.body["unchanged"], 1);
        assert_eq!(dry.body["changes"][0]["line"], 2);
        assert_eq!(dry.body["changes"][0]["old_price"], rice_price);
        assert_eq!(dry.body["changes"][0]["new_price"], 5_250);
        assert_eq!(dry.body["unknown"][0]["line"], 4);
        assert_eq!(dry.body["unknown"][0]["barcode"], unknown.as_str());
        assert_eq!(product(&app, &admin, 0).await["price"], rice_price, "a dry run writes nothing");
        assert_eq!(app.count("audit_log").await, audit_before);

        // Bad lines: reported with their number; apply refuses the whole file.
        let bad = format!(
            "{};4 750;3 600\n6191000000017;100\n{};12,5\n{};300;-5\n{};900\n",
            TestApp::demo_barcode(0), TestApp::demo_barcode(6), TestApp::demo_barcode(1),
            TestApp::demo_barcode(0),
        );
        let report = price_list(&app, &admin, false, &bad).await;
        assert_eq!(report.status, 200, "{}", report.body);
        let lines: Vec<i64> = report.body["invalid"].as_array().unwrap().iter().map(|b| b["line"].as_i64().unwrap()).collect();
        assert_eq!(lines, [2, 3, 4, 5], "{}", report.body);
        assert!(report.body["invalid"][3]["reason"].as_str().unwrap().contains("ligne 1"));
        price_list(&app, &admin, true, &bad).await.assert_problem(422, "price_list.invalid");
        assert_eq!(product(&app, &admin, 0).await["price"], rice_price, "a refused apply writes nothing");
        price_list(&app, &admin, true, "").await.assert_problem(422, "price_list.unreadable");

        let applied = price_list(&app, &admin, true, &file).await;
        assert_eq!(applied.status, 200, "{}", applied.body);
        assert_eq!(applied.body["applied"], true);
        assert_eq!(product(&app, &admin, 0).await["price"], 5_250);
        assert_eq!(product(&app, &admin, 6).await["price"], water_price);
        let entries = audit_of(&app, "product", rice["id"].as_i64().unwrap()).await;
        let (action, before, after) = entries.last().unwrap();
        assert_eq!(action, "product.price_import");
        assert_eq!(before["price"], rice_price);
        assert_eq!(after["price"], 5_250);
        // Applied again, the same file changes nothing.
        let again = price_list(&app, &admin, false, &file).await;
        assert_eq!(again.body["unchanged"], 2);
        assert_eq!(again.body["changes"].as_array().unwrap().len(), 0);
    }
}

/// `crm user VERB …` as the operator types it, its password (if asked) on standard input:
/// another process than the server, with its own connections and caches.
async fn crm_user(
    app: &TestApp,
    command: crm_server::staff_cli::UserCommand,
    stdin: Option<&str>,
) -> anyhow::Result<String> {
    let operator =
        crm_server::startup::app_state_for(app.state.settings.clone(), crm_store::Workload::Serve)
            .await
            .unwrap();
    let typed = stdin.map(str::to_owned);
    crm_server::staff_cli::run(&operator, command, move || {
        typed.ok_or_else(|| anyhow::anyhow!("standard input is empty"))
    })
    .await
}

/// The answer to a login, whatever its status.
async fn login(app: &TestApp, username: &str, password: &str) -> crm_tests::Reply {
    app.call(
        "POST",
        "/api/v1/auth/login",
        None,
        Some(json!({"username": username, "password": password})),
    )
    .await
}

on_both_databases! {
    async fn the_crm_user_verbs_change_accounts_as_the_api_does(app) {
        use crm_server::staff_cli::UserCommand;
        let awa = || "awa.kone".to_owned();
        let created = crm_user(&app, UserCommand::Create {
            username: awa(),
            role: "cashier".into(),
            password: None,
            display_name: Some("Awa Koné".into()),
        }, Some("Caisse-Plateau-2026")).await.unwrap();
        assert!(created.contains("« awa.kone » créé") && created.contains("CASHIER"), "{created}");
        let token = app.login_body("awa.kone", "Caisse-Plateau-2026").await["access_token"]
            .as_str().unwrap().to_owned();
        assert_eq!(app.call("GET", "/api/v1/me", Some(&token), None).await.status, 200);

        // Refusals name what is wrong, and change nothing.
        let twice = crm_user(&app, UserCommand::Create {
            username: awa(), role: "cashier".into(), password: Some("Autre-Mot-2026".into()), display_name: None,
        }, None).await.unwrap_err().to_string();
        assert!(twice.contains("existe déjà"), "{twice}");
        let weak = crm_user(&app, UserCommand::SetPassword { username: awa(), password: Some("awa".into()), temporary: false }, None)
            .await.unwrap_err().to_string();
        assert!(!weak.is_empty());
        assert_eq!(login(&app, "awa.kone", "Caisse-Plateau-2026").await.status, 200, "the weak password was not set");
        let role = crm_user(&app, UserCommand::SetRole { username: awa(), role: "caissier-chef".into() }, None)
            .await.unwrap_err().to_string();
        assert!(!role.is_empty());
        let nobody = crm_user(&app, UserCommand::Deactivate { username: "personne".into() }, None)
            .await.unwrap_err().to_string();
        assert!(nobody.contains("aucun utilisateur « personne »"), "{nobody}");

        // A new role: the token in hand stops at its next request.
        let moved = crm_user(&app, UserCommand::SetRole { username: awa(), role: "marketing".into() }, None).await.unwrap();
        assert!(moved.contains("MARKETING"), "{moved}");
        // The server trusts its cached answer for RECHECK_AFTER, then asks the database.
        tokio::time::sleep(crm_server::auth::access::RECHECK_AFTER + std::time::Duration::from_millis(200)).await;
        assert_eq!(app.call("GET", "/api/v1/me", Some(&token), None).await.status, 401);
        let listed = crm_user(&app, UserCommand::List { role: Some("marketing".into()), inactive: false, active: true }, None).await.unwrap();
        assert!(listed.lines().any(|l| l.starts_with("awa.kone") && l.contains("Awa Koné") && l.contains("oui")), "{listed}");

        // Deactivated: no login, no token; listed among the stopped accounts; back again.
        let token = app.login_body("awa.kone", "Caisse-Plateau-2026").await["access_token"].as_str().unwrap().to_owned();
        crm_user(&app, UserCommand::Deactivate { username: awa() }, None).await.unwrap();
        tokio::time::sleep(crm_server::auth::access::RECHECK_AFTER + std::time::Duration::from_millis(200)).await;
        assert_eq!(app.call("GET", "/api/v1/me", Some(&token), None).await.status, 401);
        assert_eq!(login(&app, "awa.kone", "Caisse-Plateau-2026").await.status, 401);
        let stopped = crm_user(&app, UserCommand::List { role: None, inactive: true, active: false }, None).await.unwrap();
        assert!(stopped.lines().any(|l| l.starts_with("awa.kone")), "{stopped}");
        crm_user(&app, UserCommand::Activate { username: awa() }, None).await.unwrap();
        assert_eq!(login(&app, "awa.kone", "Caisse-Plateau-2026").await.status, 200);

        // A temporary password: the person must choose their own first.
        let reset = crm_user(&app, UserCommand::SetPassword { username: awa(), password: None, temporary: true }, Some("Provisoire-2026!"))
            .await.unwrap();
        assert!(reset.contains("à changer à la prochaine connexion"), "{reset}");
        assert_eq!(login(&app, "awa.kone", "Caisse-Plateau-2026").await.status, 401, "the old password is gone");
        let flagged = app.login_body("awa.kone", "Provisoire-2026!").await;
        assert_eq!(flagged["user"]["must_change_password"], true, "{flagged}");

        // Every change is in the audit log, as the API's are.
        let admin = app.token_for(Role::Admin).await;
        let trail = app.call("GET", "/api/v1/audit?entity=user", Some(&admin), None).await;
        assert!(trail.body["total"].as_u64().unwrap() >= 3, "{}", trail.body);
    }
}
