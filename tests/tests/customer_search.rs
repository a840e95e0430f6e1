//! The back office's customers (issue 13): search by phone in any written form, by
//! customer number and by a folded name prefix; filters; masked phones in the list and its
//! CSV export; the customer page's history, points and purchases; export then erase; and
//! the audit log's filters. On SQLite and PostgreSQL.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use chrono::{Days, Utc};
use crm_domain::{Level, Role, Scope};
use crm_tests::{on_both_databases, TestApp};
use serde_json::{json, Value};

/// Creates a customer at the till and returns their id.
async fn register(app: &TestApp, cashier: &str, body: Value) -> i64 {
    let created = app
        .call("POST", "/api/v1/customers", Some(cashier), Some(body))
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    created.body["customer"]["id"].as_i64().unwrap()
}

/// The ids of a list reply, in order.
fn ids(reply: &crm_tests::Reply) -> Vec<i64> {
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_i64().unwrap())
        .collect()
}

/// `q` percent-encoded for a query string.
fn encoded(q: &str) -> String {
    q.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn search(app: &TestApp, token: &str, query: &str) -> crm_tests::Reply {
    app.call(
        "GET",
        &format!("/api/v1/customers?{query}"),
        Some(token),
        None,
    )
    .await
}

/// The CSV export's status and text (byte-order mark removed).
async fn csv(app: &TestApp, token: &str, query: &str) -> (u16, String) {
    let res = app
        .client
        .get(app.url(&format!("/api/v1/customers/export?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    (status, text.trim_start_matches('\u{feff}').to_owned())
}

/// Three customers: Aya Kouassi (07 01 23 45 67, Gold, Bouaké, SMS yes), Éa Koné
/// (05 …, Abidjan) and Kouamé Brou (01 …, Abidjan).
async fn three(app: &TestApp) -> (String, [i64; 3]) {
    let cashier = app.token_for(Role::Cashier).await;
    let aya = register(
        app,
        &cashier,
        json!({"phone": "0701234567", "first_name": "Aya", "last_name": "Kouassi", "sms_consent": true}),
    )
    .await;
    let ea = register(
        app,
        &cashier,
        json!({"phone": "0566778899", "first_name": "Éa", "last_name": "KONÉ"}),
    )
    .await;
    let brou = register(
        app,
        &cashier,
        json!({"phone": "0102030405", "first_name": "Kouamé", "last_name": "Brou"}),
    )
    .await;
    crm_store::demo::set_standing(&app.state.db, aya, Level::Gold, 0, 0, 0)
        .await
        .unwrap();
    let marketing = app.token_for(Role::Marketing).await;
    let moved = app
        .call(
            "PATCH",
            &format!("/api/v1/customers/{aya}"),
            Some(&marketing),
            Some(json!({"city": "Bouaké"})),
        )
        .await;
    assert_eq!(moved.status, 200, "{}", moved.body);
    (cashier, [aya, ea, brou])
}

on_both_databases! {
    async fn a_phone_in_three_written_forms_finds_the_same_person(app) {
        let (_, [aya, _, _]) = three(&app).await;
        let marketing = app.token_for(Role::Marketing).await;
        for typed in ["07 01 23 45 67", "+225 0701234567", "00225 07-01-23-45-67"] {
            let found = search(&app, &marketing, &format!("q={}", encoded(typed))).await;
            assert_eq!(ids(&found), [aya], "{typed}: {}", found.body);
            assert_eq!(found.body["total"], 1);
        }
        // A number nobody has: an empty page, not an error.
        assert_eq!(ids(&search(&app, &marketing, "q=0709090909").await), Vec::<i64>::new());
        // A number that cannot be one: said so.
        search(&app, &marketing, &format!("q={}", encoded("07 01 23 45 67 89 00")))
            .await
            .assert_problem(422, "phone.invalid");
        // By customer number, any case, spaces ignored.
        let number = crm_domain::customer::customer_number(aya);
        assert_eq!(ids(&search(&app, &marketing, &format!("q={number}")).await), [aya]);
        let lower = number.to_lowercase();
        assert_eq!(ids(&search(&app, &marketing, &format!("q={}", encoded(&format!(" {lower} ")))).await), [aya]);
    }
}

on_both_databases! {
    async fn a_name_prefix_is_folded_for_case_and_accents(app) {
        let (_, [aya, ea, brou]) = three(&app).await;
        let marketing = app.token_for(Role::Marketing).await;
        let find = |q: &'static str| {
            let (app, marketing) = (&app, marketing.clone());
            async move { ids(&search(app, &marketing, &format!("q={}", encoded(q))).await) }
        };
        assert_eq!(find("kouas").await, [aya], "family name prefix");
        assert_eq!(find("KOUASSI aya").await, [aya], "family then given name");
        assert_eq!(find("aya kou").await, [aya], "given then family name");
        assert_eq!(find("ea").await, [ea], "« éa » typed without its accent");
        assert_eq!(find("Éa").await, [ea]);
        assert_eq!(find("kone").await, [ea], "« KONÉ » in any case, no accent");
        assert_eq!(find("koné").await, [ea]);
        // « Kouamé » (given) and « Kouassi » (family) both start with « koua »; newest first.
        assert_eq!(find("koua").await, [brou, aya]);
        assert_eq!(find("kouame").await, [brou]);
        // A prefix, not a substring: « assi » is inside « Kouassi » but starts nothing.
        assert_eq!(find("assi").await, Vec::<i64>::new());

        // An edit of the name moves its keys; the old name finds nobody.
        let renamed = app
            .call("PATCH", &format!("/api/v1/customers/{brou}"), Some(&marketing),
                  Some(json!({"last_name": "N'Guessan"})))
            .await;
        assert_eq!(renamed.status, 200, "{}", renamed.body);
        assert_eq!(find("brou").await, Vec::<i64>::new());
        assert_eq!(find("n guessan").await, [brou]);
        assert_eq!(find("nguessan").await, Vec::<i64>::new(), "the apostrophe separates words");
        assert_eq!(find("kouame n").await, [brou]);
    }
}

on_both_databases! {
    async fn filters_narrow_the_list_and_pages_hold_the_rest(app) {
        let (_, [aya, ea, brou]) = three(&app).await;
        let marketing = app.token_for(Role::Marketing).await;
        assert_eq!(ids(&search(&app, &marketing, "").await), [brou, ea, aya], "newest first");
        assert_eq!(ids(&search(&app, &marketing, "level=GOLD").await), [aya]);
        assert_eq!(ids(&search(&app, &marketing, "level=standard").await), [brou, ea]);
        assert_eq!(ids(&search(&app, &marketing, "city=bouak%C3%A9").await), [aya]);
        assert_eq!(ids(&search(&app, &marketing, "city=Abidjan").await), [brou, ea]);
        assert_eq!(ids(&search(&app, &marketing, "sms_consent=true").await), [aya]);
        assert_eq!(ids(&search(&app, &marketing, "sms_consent=false&q=kou").await), [brou]);
        assert_eq!(ids(&search(&app, &marketing, "email_consent=true").await), Vec::<i64>::new());
        search(&app, &marketing, "level=PLATINE").await.assert_problem(422, "customer.level_invalid");
        // Last visit: only Éa bought (today, store-local = UTC in Abidjan).
        app.seed_catalogue().await;
        let cashier = app.token_for(Role::Cashier).await;
        let sold = app.sell(&cashier, sale(Some(ea), None)).await;
        assert_eq!(sold.status, 201, "{}", sold.body);
        let today = Utc::now().date_naive();
        let yesterday = today - Days::new(1);
        assert_eq!(ids(&search(&app, &marketing, &format!("last_visit_from={today}")).await), [ea]);
        assert_eq!(ids(&search(&app, &marketing, &format!("last_visit_to={today}")).await), [ea]);
        assert_eq!(ids(&search(&app, &marketing, &format!("last_visit_to={yesterday}")).await), Vec::<i64>::new());
        search(&app, &marketing, &format!("last_visit_from={today}&last_visit_to={yesterday}"))
            .await
            .assert_problem(422, "period.invalid");
        // Pages.
        let page = search(&app, &marketing, "per_page=2&page=2").await;
        assert_eq!(ids(&page), [aya]);
        assert_eq!(page.body["total"], 3);
        assert_eq!(page.body["page"], 2);
        assert_eq!(page.body["per_page"], 2);
    }
}

/// Riz 5 kg × 2 + eau 1,5 L × 3 = 10 200 FCFA, paid cash, with an optional coupon.
fn sale(customer: Option<i64>, coupon: Option<&str>) -> Value {
    json!({
        "customer_id": customer,
        "coupon_code": coupon,
        "lines": [
            {"barcode": TestApp::demo_barcode(0), "quantity": 2},
            {"barcode": TestApp::demo_barcode(6), "quantity": 3}
        ],
        "payments": [{"method": "ESPECES", "amount": 20_000}]
    })
}

on_both_databases! {
    async fn the_list_and_its_csv_never_show_a_full_phone_to_a_role_that_may_not_see_it(app) {
        let (_, [aya, _, _]) = three(&app).await;
        // A name that a spreadsheet would take for a formula.
        let marketing = app.token_for(Role::Marketing).await;
        let patched = app
            .call("PATCH", &format!("/api/v1/customers/{aya}"), Some(&marketing),
                  Some(json!({"first_name": "=HYPERLINK(\"x\")"})))
            .await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        let full = ["07 01 23 45 67", "0701234567", "+2250701234567", "701234567"];
        let director = app.token_for(Role::Director).await;
        let reader = app.service_token(&[Scope::CrmRead]).await;
        for (who, token) in [("director", &director), ("crm:read", &reader)] {
            let list = search(&app, token, "").await;
            assert_eq!(list.status, 200, "{who}: {}", list.body);
            let text = list.body.to_string();
            for phone in full {
                assert!(!text.contains(phone), "{who} sees {phone}: {text}");
            }
            assert!(list.body["items"].as_array().unwrap().iter().all(|c| c["phone_masked"] == true));
            let (status, body) = csv(&app, token, "").await;
            assert_eq!(status, 200, "{who}: {body}");
            for phone in full {
                assert!(!body.contains(phone), "{who}'s CSV holds {phone}: {body}");
            }
            assert!(body.contains("07 •• •• 45 67"), "{body}");
        }
        // Marketing sees phones whole, in the list and in the file.
        let list = search(&app, &marketing, "q=kouas").await;
        assert_eq!(list.body["items"][0]["phone"], "07 01 23 45 67");
        let (status, body) = csv(&app, &marketing, "level=GOLD").await;
        assert_eq!(status, 200);
        let lines: Vec<&str> = body.lines().collect();
        assert_eq!(lines.len(), 2, "header + Aya: {body}");
        assert!(lines[0].starts_with("N° client;Prénom;Nom;Téléphone"), "{}", lines[0]);
        let cells: Vec<&str> = lines[1].split(';').collect();
        assert_eq!(cells[0], crm_domain::customer::customer_number(aya));
        assert!(cells[1].starts_with("\"'=HYPERLINK"), "formula-safe: {}", lines[1]);
        assert_eq!(cells[3], "07 01 23 45 67");
        assert_eq!(cells[5], "Bouaké");
        assert_eq!(cells[6], "Gold");
        // The same filters as the list; a cashier gets nothing.
        let (_, filtered) = csv(&app, &marketing, "q=zzz").await;
        assert_eq!(filtered.lines().count(), 1, "header only: {filtered}");
        let cashier = app.token_for(Role::Cashier).await;
        let (status, _) = csv(&app, &cashier, "").await;
        assert_eq!(status, 403);
        search(&app, &cashier, "").await.assert_problem(403, "auth.forbidden");
        // The export is audited, without any phone.
        let trail = app
            .call("GET", "/api/v1/audit?action=customer.list_export", Some(&app.token_for(Role::Admin).await), None)
            .await;
        assert_eq!(trail.body["total"], 4, "{}", trail.body);
    }
}

on_both_databases! {
    async fn the_customer_page_shows_history_points_and_purchases_then_export_and_erase(app) {
        let (cashier, [aya, ea, _]) = three(&app).await;
        app.seed_catalogue().await;
        let marketing = app.token_for(Role::Marketing).await;
        let coupon = app
            .call("POST", "/api/v1/coupons", Some(&marketing), Some(json!({
                "kind": "SPECIAL", "customer_id": aya, "discount_kind": "PERCENT", "value": 10,
                "description": "Pour Aya", "valid_from": Utc::now().date_naive(),
                "valid_to": Utc::now().date_naive() + Days::new(30)})))
            .await;
        assert_eq!(coupon.status, 201, "{}", coupon.body);
        let code = coupon.body["code"].as_str().unwrap().to_owned();
        let first = app.sell(&cashier, sale(Some(aya), Some(&code))).await;
        assert_eq!(first.status, 201, "{}", first.body);
        let second = app.sell(&cashier, sale(Some(aya), None)).await;
        assert_eq!(second.status, 201, "{}", second.body);

        let director = app.token_for(Role::Director).await;
        let history = app.call("GET", &format!("/api/v1/customers/{aya}/history"), Some(&director), None).await;
        assert_eq!(history.status, 200, "{}", history.body);
        assert_eq!(history.body["coupons_held"][0]["code"], code.as_str());
        assert_eq!(history.body["coupons_used"][0]["code"], code.as_str());
        assert_eq!(history.body["coupons_used"][0]["sale_id"], first.body["id"]);
        assert_eq!(history.body["level_changes"], json!([]));

        let purchases = app.call("GET", &format!("/api/v1/customers/{aya}/purchases?per_page=1"), Some(&director), None).await;
        assert_eq!(purchases.status, 200, "{}", purchases.body);
        assert_eq!(purchases.body["total"], 2);
        assert_eq!(purchases.body["items"][0]["id"], second.body["id"], "newest first");
        assert_eq!(purchases.body["items"][0]["status"], "COMPLETED");
        assert_eq!(purchases.body["items"][0]["total"], second.body["total"]);
        let older = app.call("GET", &format!("/api/v1/customers/{aya}/purchases?per_page=1&page=2"), Some(&director), None).await;
        assert_eq!(older.body["items"][0]["id"], first.body["id"]);
        assert!(older.body["items"][0]["discounts"].as_i64().unwrap() > 0, "the coupon's discount");

        let points = app.call("GET", &format!("/api/v1/customers/{aya}/points"), Some(&director), None).await;
        assert_eq!(points.status, 200, "{}", points.body);
        assert_eq!(points.body["total"], 2);
        assert_eq!(points.body["items"][0]["kind"], "EARN");
        assert_eq!(points.body["items"][0]["sale_id"], second.body["id"]);
        assert_eq!(points.body["items"][0]["points"], second.body["points_earned"]);

        for path in ["history", "points", "purchases"] {
            app.call("GET", &format!("/api/v1/customers/999999/{path}"), Some(&director), None)
                .await
                .assert_problem(404, "customer.not_found");
        }
        // The director reads but neither exports nor erases.
        app.call("GET", &format!("/api/v1/customers/{aya}/export"), Some(&director), None)
            .await
            .assert_problem(403, "auth.forbidden");

        // Export: the sales and the coupons are there.
        let export = app.call("GET", &format!("/api/v1/customers/{aya}/export"), Some(&marketing), None).await;
        assert_eq!(export.status, 200, "{}", export.body);
        let tickets: Vec<&Value> = export.body["sales"].as_array().unwrap().iter().map(|s| &s["ticket_number"]).collect();
        assert_eq!(tickets, [&first.body["ticket_number"], &second.body["ticket_number"]]);
        assert_eq!(export.body["coupons_held"][0]["code"], code.as_str());
        assert_eq!(export.body["coupons_used"][0]["code"], code.as_str());

        // Erase: found neither by phone nor by name nor by number; the sales stay.
        let erased = app.call("POST", &format!("/api/v1/customers/{aya}/erase"), Some(&marketing), None).await;
        assert_eq!(erased.status, 200, "{}", erased.body);
        for q in ["07 01 23 45 67", "kouas", "aya", &crm_domain::customer::customer_number(aya)] {
            let found = search(&app, &marketing, &format!("q={}", encoded(q))).await;
            assert_eq!(ids(&found), Vec::<i64>::new(), "{q}: {}", found.body);
        }
        assert_eq!(ids(&search(&app, &marketing, "").await).len(), 2, "the erased person is not listed");
        let (_, file) = csv(&app, &marketing, "").await;
        assert!(!file.contains("Kouassi") && !file.contains("07 01 23 45 67"), "{file}");
        assert_eq!(ids(&search(&app, &marketing, "q=kone").await), [ea], "others are untouched");
        let receipt = app.call("GET", &format!("/api/v1/sales/{}", first.body["id"]), Some(&director), None).await;
        assert_eq!(receipt.status, 200, "{}", receipt.body);
        assert_eq!(app.count("sales").await, 2);
        let kpis = app.call("GET", "/api/v1/kpis?period=7d", Some(&director), None).await;
        assert_eq!(kpis.status, 200, "{}", kpis.body);
        assert_eq!(kpis.body["frequency"]["current"]["identified"]["sales"], 2, "the sales still count: {}", kpis.body["frequency"]);
        let still = app.call("GET", &format!("/api/v1/customers/{aya}/purchases"), Some(&director), None).await;
        assert_eq!(still.body["total"], 2, "the anonymous row keeps its purchases for statistics");
    }
}

on_both_databases! {
    async fn the_audit_log_is_filtered_by_actor_action_entity_and_period(app) {
        let (_, [aya, ea, _]) = three(&app).await;
        app.create_user("awa", Role::Marketing, "motdepasse-test").await;
        let awa = app.login_body("awa", "motdepasse-test").await["access_token"].as_str().unwrap().to_owned();
        let by_awa = app
            .call("PATCH", &format!("/api/v1/customers/{aya}"), Some(&awa),
                  Some(json!({"email": "aya@example.ci"})))
            .await;
        assert_eq!(by_awa.status, 200, "{}", by_awa.body);
        let admin = app.token_for(Role::Admin).await;
        let changed = app
            .call("PATCH", &format!("/api/v1/customers/{ea}"), Some(&admin),
                  Some(json!({"city": "Yamoussoukro", "sms_consent": true})))
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        let director = app.token_for(Role::Director).await;
        let audit = |query: String| {
            let (app, director) = (&app, director.clone());
            async move {
                let reply = app.call("GET", &format!("/api/v1/audit?{query}"), Some(&director), None).await;
                assert_eq!(reply.status, 200, "{query}: {}", reply.body);
                reply.body
            }
        };
        let updates = audit("action=customer.update".into()).await;
        assert_eq!(updates["total"], 3, "{updates}");
        let newest = &updates["items"][0];
        assert_eq!(newest["entity"], "customer");
        assert_eq!(newest["entity_id"], ea.to_string());
        assert!(newest["actor_username"].as_str().unwrap().starts_with("admin-"), "{newest}");
        assert!(newest["actor_user_id"].is_i64());
        assert_eq!(newest["before"]["city"], "Abidjan");
        assert_eq!(newest["after"]["city"], "Yamoussoukro");
        assert_eq!(newest["before"]["sms_consent"], false);
        assert_eq!(newest["after"]["sms_consent"], true);
        let all = audit(String::new()).await;
        assert!(all["total"].as_u64().unwrap() >= 3, "{all}");

        let of_awa = audit("actor=awa".into()).await;
        assert_eq!(of_awa["total"], 1, "{of_awa}");
        assert_eq!(of_awa["items"][0]["entity_id"], aya.to_string());
        assert_eq!(of_awa["items"][0]["actor_username"], "awa");
        assert_eq!(of_awa["items"][0]["after"]["email"], "aya@example.ci");
        assert!(of_awa["items"][0]["before"]["email"].is_null());
        assert_eq!(audit("actor=nobody".into()).await["total"], 0);
        let about_aya = audit(format!("entity=customer&entity_id={aya}")).await;
        assert_eq!(about_aya["total"], 2, "{about_aya}");
        assert_eq!(about_aya["items"][1]["after"]["city"], "Bouaké", "oldest last");
        assert_eq!(audit("entity=coupon".into()).await["total"], 0);

        let today = Utc::now().date_naive();
        let tomorrow = today + Days::new(1);
        let yesterday = today - Days::new(1);
        assert_eq!(audit(format!("action=customer.update&from={today}&to={today}")).await["total"], 3);
        assert_eq!(audit(format!("action=customer.update&from={tomorrow}")).await["total"], 0);
        assert_eq!(audit(format!("action=customer.update&to={yesterday}")).await["total"], 0);
        let paged = audit("action=customer.update&per_page=1&page=3".into()).await;
        assert_eq!(paged["items"][0]["entity_id"], aya.to_string(), "oldest last");
        assert_eq!(paged["items"][0]["after"]["city"], "Bouaké");
        let refused = app.call("GET", &format!("/api/v1/audit?from={today}&to={yesterday}"), Some(&director), None).await;
        refused.assert_problem(422, "period.invalid");
        for role in [Role::Cashier, Role::Marketing] {
            app.call("GET", "/api/v1/audit", Some(&app.token_for(role).await), None)
                .await
                .assert_problem(403, "auth.forbidden");
        }
    }
}

on_both_databases! {
    async fn the_migration_folds_the_names_already_there_and_comes_down_cleanly(app) {
        use crm_migration::MigratorTrait;
        let (_, [aya, ea, _]) = three(&app).await;
        let db = &app.state.db;
        // Back to before m0015 and m0016 (their `down`), then up again: m0015 fills the keys
        // of the rows it finds, as it did for the databases that had customers before it.
        crm_migration::Migrator::down(db, Some(2)).await.unwrap();
        let pending = crm_migration::Migrator::get_pending_migrations(db).await.unwrap();
        assert_eq!(pending.len(), 2);
        crm_migration::Migrator::up(db, None).await.unwrap();
        let row = crm_store::customers::find(db, ea).await.unwrap().unwrap();
        assert_eq!(row.name_key.as_deref(), Some("kone ea"));
        assert_eq!(row.name_key_first.as_deref(), Some("ea kone"));
        let marketing = app.token_for(Role::Marketing).await;
        assert_eq!(ids(&search(&app, &marketing, "q=kouas").await), [aya]);
        assert_eq!(ids(&search(&app, &marketing, "q=%C3%A9a").await), [ea]);
    }
}

on_both_databases! {
    async fn counting_stops_past_a_thousand_and_the_pages_beyond_still_answer(app) {
        // 1 210 generated customers: 24 given names in turn, family names by runs of 24.
        crm_server::demo::generate_customers(&app.state, 1_210).await.unwrap();
        let marketing = app.token_for(Role::Marketing).await;
        let first = search(&app, &marketing, "per_page=20").await;
        assert_eq!(ids(&first).len(), 20);
        assert_eq!(first.body["total"], 1_000, "{}", first.body);
        assert_eq!(first.body["total_exact"], false, "more than a thousand match");
        // Counting follows the page asked for: past the thousandth, the count goes on.
        let far = search(&app, &marketing, "per_page=20&page=55").await;
        assert_eq!(ids(&far).len(), 20);
        assert_eq!(far.body["total"], 1_100);
        assert_eq!(far.body["total_exact"], false);
        let last = search(&app, &marketing, "per_page=20&page=61").await;
        assert_eq!(ids(&last).len(), 10);
        assert_eq!(last.body["total"], 1_210);
        assert_eq!(last.body["total_exact"], true, "the last page counts every match");
        // A narrower search is counted exactly: every 24th customer is a Mariam, from the 11th.
        let named = search(&app, &marketing, "q=mariam").await;
        assert_eq!(named.body["total"], 50, "{}", named.body);
        assert_eq!(named.body["total_exact"], true);
        // The newest first, whatever the page: page 2 starts below page 1.
        let second = search(&app, &marketing, "per_page=20&page=2").await;
        assert!(ids(&second)[0] < *ids(&first).last().unwrap());
    }
}
