//! The jobs subsystem on SQLite and PostgreSQL: one running job of a kind at a time
//! (`crm_store::jobs::start_exclusive`, also under concurrent starts), a kind or status
//! the code does not know read as an error, and the runner (`crm_server::jobs`) running
//! a job's body inline with a progress callback — as a command would — and recording how
//! it ended. The bulk issue through the API is in `coupons.rs`.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed step fails the test loudly"
)]

use chrono::{Days, Utc};
use crm_domain::coupon::{Coupon as Rules, CouponKind, CouponStatus, DiscountKind};
use crm_domain::job::{JobKind, JobStatus};
use crm_domain::{Level, Money, Role};
use crm_server::routes::coupons::new_code;
use crm_store::audit::Actor;
use crm_store::coupons::{self, BulkIssue, BulkOutcome};
use crm_store::jobs::{self, Progress, Recorder};
use crm_store::StoreError;
use crm_tests::{on_both_databases, TestApp};
use sea_orm::{ConnectionTrait, Statement};
use serde_json::json;
use std::sync::Mutex;

fn marketing() -> Actor {
    Actor {
        user_id: None,
        client_id: Some("tests".to_owned()),
    }
}

async fn start(app: &TestApp) -> Result<jobs::Job, StoreError> {
    jobs::start_exclusive(
        &app.state.db,
        JobKind::BulkIssue,
        &marketing(),
        &json!({"n": 1}),
    )
    .await
}

/// Dates job `id`'s last heartbeat from before [`jobs::ABANDONED_AFTER`].
async fn fall_silent(app: &TestApp, id: i64) {
    let db = &app.state.db;
    let long_ago = Utc::now()
        - chrono::Duration::from_std(jobs::ABANDONED_AFTER).unwrap()
        - chrono::Duration::seconds(5);
    let sql = match db.get_database_backend() {
        sea_orm::DbBackend::Postgres => "UPDATE jobs SET heartbeat_at = $1 WHERE id = $2",
        _ => "UPDATE jobs SET heartbeat_at = ? WHERE id = ?",
    };
    db.execute_raw(Statement::from_sql_and_values(
        db.get_database_backend(),
        sql,
        [long_ago.into(), id.into()],
    ))
    .await
    .unwrap();
}

fn refused(outcome: Result<jobs::Job, StoreError>) -> bool {
    matches!(outcome, Err(StoreError::Conflict(ref what)) if what == "job")
}

on_both_databases! {
    async fn one_job_of_a_kind_runs_at_a_time(app) {
        let db = &app.state.db;
        let first = start(&app).await.unwrap();
        assert_eq!((first.kind, first.status), (JobKind::BulkIssue, JobStatus::Queued));
        assert!(refused(start(&app).await), "a queued job holds its kind");

        Recorder::new(db.clone(), first.id()).report(3, 10).await.unwrap();
        let running = jobs::find(db, first.id()).await.unwrap().unwrap();
        assert_eq!((running.status, running.row.done, running.row.total), (JobStatus::Running, 3, 10));
        assert!(refused(start(&app).await), "so does a running one");

        jobs::succeed(db, first.id(), &json!({"issued": 10})).await.unwrap();
        // Four starts at once once it is over: one passes the lock, the others are told.
        let starts = futures::future::join_all((0..4).map(|_| start(&app))).await;
        let started: Vec<_> = starts.iter().filter_map(|s| s.as_ref().ok()).collect();
        assert_eq!(started.len(), 1, "{starts:?}");
        let second = started[0].id();
        assert!(starts.into_iter().filter(Result::is_err).all(refused));
        assert_eq!(app.count("jobs").await, 2);

        // A job that beats is alive: a server starting on this database leaves it alone.
        assert_eq!(jobs::fail_abandoned(db).await.unwrap(), 0);
        assert!(refused(start(&app).await));
        // Silent for longer than ABANDONED_AFTER: its server stopped; it is failed and
        // the kind is free again — at the next start, with no restart needed.
        fall_silent(&app, second).await;
        let third = start(&app).await.unwrap();
        let failed = jobs::find(db, second).await.unwrap().unwrap();
        assert_eq!(failed.status, JobStatus::Failed);
        assert!(failed.row.error.unwrap().contains("relancez"));
        fall_silent(&app, third.id()).await;
        assert_eq!(jobs::fail_abandoned(db).await.unwrap(), 1, "as a server does at start-up");
        let third = start(&app).await.unwrap();
        let trail = crm_store::audit::for_entity(db, "job", &third.id().to_string()).await.unwrap();
        assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["coupon.bulk_issue"]);
    }
}

on_both_databases! {
    async fn an_unknown_kind_or_status_in_the_database_is_an_error(app) {
        let db = &app.state.db;
        let marketing = app.token_for(Role::Marketing).await;
        let job = start(&app).await.unwrap();
        for change in ["status = 'DONE'", "status = 'SUCCEEDED', kind = 'SOMETHING_ELSE'"] {
            db.execute_raw(Statement::from_string(
                db.get_database_backend(),
                format!("UPDATE jobs SET {change} WHERE id = {}", job.id()),
            ))
            .await
            .unwrap();
            assert!(matches!(jobs::find(db, job.id()).await, Err(StoreError::Db(_))), "{change}");
            let reply = app.call("GET", &format!("/api/v1/jobs/{}", job.id()), Some(&marketing), None).await;
            assert_eq!(reply.status, 500, "never shown as some default: {}", reply.body);
        }
    }
}

/// A bulk issue to every customer, valid 30 days.
fn to_everyone() -> BulkIssue {
    let today = Utc::now().date_naive();
    BulkIssue {
        min_level: Level::Standard,
        description: "Merci".to_owned(),
        rules: Rules {
            kind: CouponKind::Special,
            discount_kind: DiscountKind::Fixed,
            value: 500,
            valid_from: today,
            valid_to: today + Days::new(30),
            global_cap: None,
            per_customer_cap: 1,
            min_basket: Money::fcfa(0),
            required_level: None,
            customer_id: Some(0),
            eligible_categories: Default::default(),
            stacks_with_loyalty: true,
            status: CouponStatus::Active,
        },
        today,
        created_by: None,
    }
}

on_both_databases! {
    async fn a_job_body_runs_inline_with_a_progress_callback(app) {
        let db = &app.state.db;
        crm_server::demo::generate_customers(&app.state, 2_500).await.unwrap();
        let job = start(&app).await.unwrap();
        let issue = to_everyone();
        // What a command does: the same body as the API's, a callback for progress.
        let seen = Mutex::new(Vec::new());
        let bar = crm_server::jobs::terminal_bar("Coupons");
        let progress = |done, total| {
            bar(done, total);
            seen.lock().unwrap().push((done, total));
        };
        let body = coupons::run_bulk_issue(db, job.id(), &issue, || new_code(CouponKind::Special), &progress);
        let outcome = crm_server::jobs::run(db, &job, body).await.unwrap();
        assert_eq!(outcome, BulkOutcome { issued: 2_500, skipped: 0 });
        let seen = seen.into_inner().unwrap();
        assert_eq!(seen.first(), Some(&(0, 2_500)), "{seen:?}");
        assert_eq!(seen.last(), Some(&(2_500, 2_500)), "{seen:?}");
        assert!(seen.len() >= 4, "after each batch of 1 000: {seen:?}");

        let done = jobs::find(db, job.id()).await.unwrap().unwrap();
        assert_eq!(done.status, JobStatus::Succeeded);
        assert_eq!(done.row.result.as_deref().map(|r| serde_json::from_str::<serde_json::Value>(r).unwrap()), Some(json!({"issued": 2_500, "skipped": 0})));
        assert_eq!(app.count("coupons").await, 2_500);

        // A body that fails leaves the job failed, with the French message of its kind.
        let next = start(&app).await.unwrap();
        let failed = crm_server::jobs::run(db, &next, async { Err::<BulkOutcome, _>(StoreError::NotFound) }).await;
        assert!(matches!(failed, Err(StoreError::NotFound)));
        let next = jobs::find(db, next.id()).await.unwrap().unwrap();
        assert_eq!(next.status, JobStatus::Failed);
        assert!(next.row.error.unwrap().starts_with("L'émission a échoué"));
        start(&app).await.expect("a failed job frees its kind");
    }
}

/// A second server starting on the same PostgreSQL while the first runs a job: the job
/// beats, so the newcomer's start-up leaves it running, and it still holds its kind.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_server_on_the_same_database_leaves_the_first_ones_job_running() {
    let first = crm_tests::spawn(crm_tests::Backend::Postgres).await;
    let job = start(&first).await.unwrap();
    let (release, hold) = tokio::sync::oneshot::channel::<()>();
    let runner = tokio::spawn({
        let db = first.state.db.clone();
        let job = job.clone();
        async move {
            crm_server::jobs::run(&db, &job, async move {
                let _ = hold.await;
                Ok(json!({"issued": 0}))
            })
            .await
        }
    });
    // Longer than a heartbeat: the job has beaten at least once by itself.
    tokio::time::sleep(jobs::HEARTBEAT_EVERY + std::time::Duration::from_secs(1)).await;
    let second = first.spawn_beside().await;
    let seen = jobs::find(&second.state.db, job.id())
        .await
        .unwrap()
        .unwrap();
    assert_ne!(seen.status, JobStatus::Failed, "{:?}", seen.row);
    assert!(
        seen.row.heartbeat_at.unwrap() > job.row.heartbeat_at.unwrap(),
        "it beat while running"
    );
    assert!(
        refused(start(&second).await),
        "the kind is still held, for both servers"
    );
    release.send(()).unwrap();
    runner.await.unwrap().unwrap();
    assert_eq!(
        jobs::find(&second.state.db, job.id())
            .await
            .unwrap()
            .unwrap()
            .status,
        JobStatus::Succeeded
    );
}
