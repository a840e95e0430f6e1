//! Customers: identification at the till in every usual phone form, idempotent creation
//! (also under concurrency), back-office reads and writes, export and erasure.

use crm_domain::Role;
use crm_tests::on_both_databases;
use serde_json::json;

on_both_databases! {
    async fn every_usual_form_identifies_the_same_customer(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let created = app
            .call("POST", "/api/v1/customers", Some(&cashier),
                  Some(json!({"phone": "0701234567", "first_name": "Aya", "last_name": "Kouassi"})))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.body["customer"]["id"].as_i64().unwrap();
        assert!(created.body["customer"]["customer_number"].as_str().unwrap().starts_with("CLT"));

        for typed in ["0701234567", "07 01 23 45 67", "+225 07 01 23 45 67", "002250701234567"] {
            let found = app
                .call("POST", "/api/v1/customers/identify", Some(&cashier), Some(json!({"phone": typed})))
                .await;
            assert_eq!(found.status, 200, "{typed}: {}", found.body);
            assert_eq!(found.body["customer"]["id"], id, "{typed}");
            assert_eq!(found.body["customer"]["first_name"], "Aya");
            assert_eq!(found.body["loyalty"]["level"], "STANDARD");
            assert_eq!(found.body["loyalty"]["points"], 0);
            assert_eq!(found.body["loyalty"]["discount_percent"], "0");
            assert!(found.body["available_coupons"].is_array());
            // A cashier sees the number masked.
            assert_eq!(found.body["customer"]["phone"], "07 •• •• 45 67");
            assert_eq!(found.body["customer"]["phone_masked"], true);
        }
    }
}

on_both_databases! {
    async fn invalid_numbers_are_refused_with_phone_invalid(app) {
        let cashier = app.token_for(Role::Cashier).await;
        for typed in ["12", "abc", "", "07012345", "070123456789", "+33", "0000000000"] {
            let reply = app
                .call("POST", "/api/v1/customers/identify", Some(&cashier), Some(json!({"phone": typed})))
                .await;
            reply.assert_problem(422, "phone.invalid");
            let create = app
                .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": typed})))
                .await;
            create.assert_problem(422, "phone.invalid");
        }
        assert_eq!(app.count("customers").await, 0);
    }
}

on_both_databases! {
    async fn unknown_number_is_404_customer_not_found(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let reply = app
            .call("POST", "/api/v1/customers/identify", Some(&cashier), Some(json!({"phone": "0505050505"})))
            .await;
        reply.assert_problem(404, "customer.not_found");
    }
}

on_both_databases! {
    async fn creating_a_known_phone_returns_the_existing_customer(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let first = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0505112233", "first_name": "Koffi"})))
            .await;
        assert_eq!(first.status, 201);
        let again = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "+225 05 05 11 22 33", "first_name": "Autre"})))
            .await;
        assert_eq!(again.status, 200);
        assert_eq!(again.body["customer"]["id"], first.body["customer"]["id"]);
        assert_eq!(again.body["customer"]["first_name"], "Koffi", "an existing customer is not overwritten");
        assert_eq!(app.count("customers").await, 1);
    }
}

on_both_databases! {
    async fn twenty_concurrent_creations_of_one_number_give_one_customer(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let forms = ["0701020304", "07 01 02 03 04", "+2250701020304", "002250701020304"];
        let replies = futures::future::join_all((0..20).map(|i| {
            let body = json!({"phone": forms[i % forms.len()], "first_name": format!("Till {i}")});
            let (app, cashier) = (&app, &cashier);
            async move { app.call("POST", "/api/v1/customers", Some(cashier), Some(body)).await }
        }))
        .await;
        let created = replies.iter().filter(|r| r.status == 201).count();
        assert_eq!(created, 1, "exactly one till creates the customer");
        assert!(replies.iter().all(|r| r.status == 201 || r.status == 200), "{replies:?}");
        let ids: std::collections::HashSet<_> = replies.iter().map(|r| r.body["customer"]["id"].as_i64()).collect();
        assert_eq!(ids.len(), 1, "every till got the same customer");
        assert_eq!(app.count("customers").await, 1);
    }
}

on_both_databases! {
    async fn creation_validates_names_and_email_and_writes_nothing_on_error(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let reply = app
            .call("POST", "/api/v1/customers", Some(&cashier),
                  Some(json!({"phone": "0701234567", "email": "pas-un-email", "last_name": "x".repeat(101)})))
            .await;
        reply.assert_problem(422, "validation.failed");
        let fields: Vec<_> = reply.body["errors"].as_array().unwrap().iter().map(|e| e["field"].as_str().unwrap().to_owned()).collect();
        assert!(fields.contains(&"email".to_owned()) && fields.contains(&"last_name".to_owned()), "{fields:?}");
        assert_eq!(app.count("customers").await, 0);
    }
}

on_both_databases! {
    async fn marketing_searches_updates_and_sees_full_numbers(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let marketing = app.token_for(Role::Marketing).await;
        let created = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0102030405", "first_name": "Fatou", "last_name": "Diabaté"})))
            .await;
        let id = created.body["customer"]["id"].as_i64().unwrap();
        app.call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0566778899", "first_name": "Adjoua", "last_name": "Bamba"}))).await;

        let by_name = app.call("GET", "/api/v1/customers?q=diab", Some(&marketing), None).await;
        assert_eq!(by_name.status, 200, "{}", by_name.body);
        assert_eq!(by_name.body["total"], 1);
        assert_eq!(by_name.body["items"][0]["id"], id);
        assert_eq!(by_name.body["items"][0]["phone"], "01 02 03 04 05", "marketing sees the full number");

        let by_phone = app.call("GET", "/api/v1/customers?q=%2B225%2001%2002%2003%2004%2005", Some(&marketing), None).await;
        assert_eq!(by_phone.body["total"], 1);
        assert_eq!(by_phone.body["items"][0]["id"], id);

        let all = app.call("GET", "/api/v1/customers?per_page=1&page=2", Some(&marketing), None).await;
        assert_eq!(all.body["total"], 2);
        assert_eq!(all.body["items"].as_array().unwrap().len(), 1);

        let patched = app
            .call("PATCH", &format!("/api/v1/customers/{id}"), Some(&marketing),
                  Some(json!({"city": "Bouaké", "email": "fatou@example.ci", "birth_date": "1990-05-12"})))
            .await;
        assert_eq!(patched.status, 200, "{}", patched.body);
        assert_eq!(patched.body["city"], "Bouaké");
        assert_eq!(patched.body["first_name"], "Fatou", "absent fields are left alone");
        let audit = crm_store::audit::for_entity(&app.state.db, "customer", &id.to_string()).await.unwrap();
        assert_eq!(audit.len(), 1);
        assert_eq!(audit[0].action, "customer.update");
        assert!(audit[0].before.as_deref().unwrap().contains("Abidjan"));
        assert!(audit[0].after.as_deref().unwrap().contains("Bouaké"));

        let missing = app.call("GET", "/api/v1/customers/999999", Some(&marketing), None).await;
        missing.assert_problem(404, "customer.not_found");
    }
}

on_both_databases! {
    async fn export_gives_everything_and_erase_anonymises(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let admin = app.token_for(Role::Admin).await;
        let created = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0708091011", "first_name": "Jean-Marc", "last_name": "Yao", "email": "jm@example.ci"})))
            .await;
        let id = created.body["customer"]["id"].as_i64().unwrap();

        let export = app.call("GET", &format!("/api/v1/customers/{id}/export"), Some(&admin), None).await;
        assert_eq!(export.status, 200, "{}", export.body);
        assert_eq!(export.body["customer"]["phone"], "07 08 09 10 11");
        assert_eq!(export.body["customer"]["email"], "jm@example.ci");
        assert!(export.body["points_ledger"].is_array());

        let erased = app.call("POST", &format!("/api/v1/customers/{id}/erase"), Some(&admin), None).await;
        assert_eq!(erased.status, 200, "{}", erased.body);
        assert_eq!(erased.body["erased"], true);
        assert!(erased.body["first_name"].is_null() && erased.body["email"].is_null());
        assert_eq!(erased.body["phone"], "");
        // The number no longer identifies anyone, and may register again as someone new.
        app.call("POST", "/api/v1/customers/identify", Some(&cashier), Some(json!({"phone": "0708091011"})))
            .await
            .assert_problem(404, "customer.not_found");
        let again = app.call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0708091011"}))).await;
        assert_eq!(again.status, 201);
        assert_ne!(again.body["customer"]["id"], id);
        assert_eq!(app.count("customers").await, 2, "the erased row stays for statistics");
    }
}

on_both_databases! {
    async fn generated_demo_customers_are_numbered_and_identifiable(app) {
        crm_server::demo::generate_customers(&app.state, 50).await.unwrap();
        // Running it again adds nobody: the phones already exist.
        crm_server::demo::generate_customers(&app.state, 50).await.unwrap();
        assert_eq!(app.count("customers").await, 50);
        let cashier = app.token_for(Role::Cashier).await;
        for i in [0, 1, 2, 37, 49] {
            let found = app
                .call("POST", "/api/v1/customers/identify", Some(&cashier),
                      Some(json!({"phone": crm_server::demo::demo_phone(i)})))
                .await;
            assert_eq!(found.status, 200, "{}", found.body);
            let id = found.body["customer"]["id"].as_i64().unwrap();
            assert_eq!(
                found.body["customer"]["customer_number"],
                crm_domain::customer::customer_number(id),
                "bulk numbering follows the domain rule"
            );
        }
    }
}

on_both_databases! {
    async fn erasure_also_scrubs_the_person_from_the_audit_log(app) {
        let cashier = app.token_for(Role::Cashier).await;
        let admin = app.token_for(Role::Admin).await;
        let created = app
            .call("POST", "/api/v1/customers", Some(&cashier), Some(json!({"phone": "0708091011", "first_name": "Adjoua", "last_name": "Brou"})))
            .await;
        let id = created.body["customer"]["id"].as_i64().unwrap();
        let changed = app
            .call("PATCH", &format!("/api/v1/customers/{id}"), Some(&admin),
                  Some(json!({"email": "adjoua.brou@example.ci", "birth_date": "1990-04-12", "city": "Bouaké"})))
            .await;
        assert_eq!(changed.status, 200, "{}", changed.body);
        let trail = |app: &crm_tests::TestApp| {
            let db = app.state.db.clone();
            async move { crm_store::audit::for_entity(&db, "customer", &id.to_string()).await.unwrap() }
        };
        let before_erasure = trail(&app).await;
        let text = |entries: &[crm_store::entities::audit_entry::Model]| {
            entries.iter().map(|e| format!("{:?} {:?}", e.before, e.after)).collect::<String>()
        };
        assert!(text(&before_erasure).contains("adjoua.brou@example.ci"), "the update is audited with its values");

        let erased = app.call("POST", &format!("/api/v1/customers/{id}/erase"), Some(&admin), None).await;
        assert_eq!(erased.status, 200, "{}", erased.body);
        let after_erasure = trail(&app).await;
        let kept = text(&after_erasure);
        for personal in ["Adjoua", "Brou", "adjoua.brou@example.ci", "1990-04-12"] {
            assert!(!kept.contains(personal), "{personal} is still in the audit log: {kept}");
        }
        // The history itself stays: who changed what, when — and what is not personal.
        let actions: Vec<&str> = after_erasure.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["customer.update", "customer.erase"]);
        assert!(kept.contains("Bouaké"), "non-identifying fields are kept: {kept}");
    }
}
