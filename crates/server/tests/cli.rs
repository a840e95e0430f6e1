//! The `crm` binary as operators script it: exact command forms, exit codes, messages,
//! and `crm import legacy` with its printed and written report.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "test code: a failed step or a missing field fails the test loudly"
)]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = std::env::temp_dir().join(format!("crm-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Sandbox { dir }
    }

    fn crm(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crm"))
            .args(args)
            .current_dir(&self.dir)
            .env(
                "CRM_DATABASE_URL",
                format!("sqlite://{}/crm.sqlite?mode=rwc", self.dir.display()),
            )
            .env("CRM_DATA_DIR", &self.dir)
            .env("RUST_LOG", "warn")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).unwrap();
        }
        drop(input);
        child.wait_with_output().unwrap()
    }
}

impl Sandbox {
    /// Copies a fixture export into the sandbox (the import report is written next to it).
    fn export(&self, fixture: &str) -> PathBuf {
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../tests/fixtures")
            .join(fixture);
        let to = self.dir.join(fixture);
        std::fs::create_dir_all(&to).unwrap();
        for entry in std::fs::read_dir(from).unwrap() {
            let entry = entry.unwrap();
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
        to
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn migrate_then_create_users_with_flag_or_stdin_password() {
    let sb = Sandbox::new();
    let migrate = sb.crm(&["migrate"], None);
    assert!(migrate.status.success(), "{}", stderr(&migrate));

    let flag = sb.crm(
        &[
            "user",
            "create",
            "--username",
            "awa",
            "--role",
            "cashier",
            "--password",
            "Caisse2026!",
        ],
        None,
    );
    assert!(flag.status.success(), "{}", stderr(&flag));
    assert!(stdout(&flag).contains("awa"));

    let piped = sb.crm(
        &["user", "create", "--username", "yao", "--role", "marketing"],
        Some("Marketing2026!\n"),
    );
    assert!(piped.status.success(), "{}", stderr(&piped));

    let again = sb.crm(
        &[
            "user",
            "create",
            "--username",
            "awa",
            "--role",
            "admin",
            "--password",
            "Autre2026!!",
        ],
        None,
    );
    assert!(!again.status.success());
    assert!(stderr(&again).contains("existe déjà"), "{}", stderr(&again));
}

#[test]
fn refuses_bad_roles_short_passwords_and_bad_databases_with_a_message() {
    let sb = Sandbox::new();
    let role = sb.crm(
        &[
            "user",
            "create",
            "--username",
            "x",
            "--role",
            "root",
            "--password",
            "longenough",
        ],
        None,
    );
    assert!(!role.status.success());
    assert!(stderr(&role).contains("rôle inconnu"), "{}", stderr(&role));

    let short = sb.crm(
        &[
            "user",
            "create",
            "--username",
            "x",
            "--role",
            "cashier",
            "--password",
            "court",
        ],
        None,
    );
    assert!(!short.status.success());
    assert!(
        stderr(&short).contains("10 caractères"),
        "{}",
        stderr(&short)
    );

    let empty = sb.crm(
        &["user", "create", "--username", "x", "--role", "cashier"],
        Some(""),
    );
    assert!(!empty.status.success());

    let bad_db = Command::new(env!("CARGO_BIN_EXE_crm"))
        .arg("migrate")
        .env("CRM_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("CRM_DATA_DIR", &sb.dir)
        .output()
        .unwrap();
    assert!(!bad_db.status.success());
    assert!(stderr(&bad_db).contains("erreur"), "{}", stderr(&bad_db));
}

#[test]
fn service_account_secret_is_printed_once() {
    let sb = Sandbox::new();
    let out = sb.crm(
        &[
            "service-account",
            "create",
            "--name",
            "erp",
            "--scopes",
            "pos,sales:read",
        ],
        None,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("client_id=sa_"), "{text}");
    assert!(text.contains("client_secret="), "{text}");
    let bad = sb.crm(
        &["service-account", "create", "--scopes", "everything"],
        None,
    );
    assert!(!bad.status.success());
    assert!(stderr(&bad).contains("portée inconnue"));
}

#[test]
fn openapi_prints_the_committed_document() {
    let sb = Sandbox::new();
    let out = sb.crm(&["openapi"], None);
    assert!(out.status.success());
    let committed = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../openapi/openapi.json"
    ))
    .unwrap();
    assert_eq!(stdout(&out), committed, "run `cargo xtask openapi`");
}

#[test]
fn import_prints_and_writes_the_report_then_finds_nothing_new() {
    let sb = Sandbox::new();
    let dir = sb.export("legacy");
    let first = sb.crm(&["import", "legacy", "--dir", dir.to_str().unwrap()], None);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    assert!(out.contains("Lignes refusées (15)"), "{out}");
    assert!(out.contains("clients.csv:5: téléphone invalide"), "{out}");
    assert!(
        stderr(&first).contains("sales.csv : 8 lues, 7 importées"),
        "progress on stderr: {}",
        stderr(&first)
    );
    let written = std::fs::read_to_string(dir.join("import-report.txt")).unwrap();
    // Logs may precede it on stdout: the report is there whole.
    assert!(
        out.contains(&written),
        "stdout shows the report file: {out}"
    );

    let custom = sb.dir.join("second.txt");
    let second = sb.crm(
        &[
            "import",
            "legacy",
            "--dir",
            dir.to_str().unwrap(),
            "--report",
            custom.to_str().unwrap(),
        ],
        None,
    );
    assert!(second.status.success(), "{}", stderr(&second));
    assert!(
        stdout(&second).contains("Rien de nouveau"),
        "{}",
        stdout(&second)
    );
    assert!(std::fs::read_to_string(custom)
        .unwrap()
        .contains("Rien de nouveau"));
}

#[test]
fn a_missing_column_fails_with_a_clear_message_and_no_report() {
    let sb = Sandbox::new();
    let dir = sb.export("legacy-missing-column");
    let run = sb.crm(&["import", "legacy", "--dir", dir.to_str().unwrap()], None);
    assert!(!run.status.success());
    let err = stderr(&run);
    assert!(
        err.contains("clients.csv : colonne obligatoire « phone » absente"),
        "{err}"
    );
    assert!(!dir.join("import-report.txt").exists());
}

#[test]
fn set_password_checks_the_policy_and_names_unknown_users() {
    let sb = Sandbox::new();
    let created = sb.crm(
        &["user", "create", "--username", "awa", "--role", "cashier"],
        Some("Caisse2026!\n"),
    );
    assert!(created.status.success(), "{}", stderr(&created));

    let weak = sb.crm(
        &["user", "set-password", "--username", "awa"],
        Some("awa-awa-awa-1\n"),
    );
    assert!(!weak.status.success());
    assert!(stderr(&weak).contains("identifiant"), "{}", stderr(&weak));

    let unknown = sb.crm(
        &["user", "set-password", "--username", "personne"],
        Some("Nouveau2026!\n"),
    );
    assert!(!unknown.status.success());
    assert!(
        stderr(&unknown).contains("aucun utilisateur « personne »"),
        "{}",
        stderr(&unknown)
    );

    let set = sb.crm(
        &["user", "set-password", "--username", "awa", "--temporary"],
        Some("Nouveau2026!\n"),
    );
    assert!(set.status.success(), "{}", stderr(&set));
    assert!(
        stdout(&set).contains("à changer à la prochaine connexion"),
        "{}",
        stdout(&set)
    );
}

#[test]
fn backup_copies_sqlite_once_and_sends_postgresql_to_pg_dump() {
    let sb = Sandbox::new();
    let migrate = sb.crm(&["migrate"], None);
    assert!(migrate.status.success(), "{}", stderr(&migrate));

    let copy = sb.dir.join("crm-copy.sqlite");
    let to = copy.to_str().unwrap();
    let first = sb.crm(&["backup", "--to", to], None);
    assert!(first.status.success(), "{}", stderr(&first));
    assert!(
        stdout(&first).contains("Sauvegarde écrite"),
        "{}",
        stdout(&first)
    );
    let size = std::fs::metadata(&copy).unwrap().len();
    assert!(size > 0);

    let again = sb.crm(&["backup", "--to", to], None);
    assert!(
        !again.status.success(),
        "an existing file is never replaced"
    );
    assert!(stderr(&again).contains("existe déjà"), "{}", stderr(&again));
    assert_eq!(std::fs::metadata(&copy).unwrap().len(), size);

    // No PostgreSQL needs to answer: the URL alone says which procedure applies.
    let postgres = Command::new(env!("CARGO_BIN_EXE_crm"))
        .args(["backup", "--to", "x.dump"])
        .current_dir(&sb.dir)
        .env("CRM_DATABASE_URL", "postgres://nobody@127.0.0.1:1/none")
        .env("CRM_DATA_DIR", &sb.dir)
        .output()
        .unwrap();
    assert!(!postgres.status.success());
    let message = stderr(&postgres);
    assert!(
        message.contains("pg_dump") && message.contains("docs/operations.md"),
        "{message}"
    );
    assert!(!sb.dir.join("x.dump").exists());
}

/// The figure printed after `label` in a summary of `crm loyalty analyze`.
fn figure(summary: &str, label: &str) -> i64 {
    summary
        .lines()
        .find(|l| l.starts_with(label))
        .and_then(|l| l.split_whitespace().last())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no « {label} » in:\n{summary}"))
}

#[test]
fn loyalty_analyze_reports_then_applies_then_finds_nothing_to_move() {
    let sb = Sandbox::new();
    let demo = sb.crm(&["demo", "--customers", "300", "--sales", "3000"], None);
    assert!(demo.status.success(), "{}", stderr(&demo));
    // The demo store is in Abidjan (UTC): today there is today here.
    let today = chrono::Utc::now().date_naive().to_string();
    let analyze = |extra: &[&str]| {
        let mut args = vec!["loyalty", "analyze", "--as-of", &today];
        args.extend_from_slice(extra);
        sb.crm(&args, None)
    };

    let dry = analyze(&["--dry-run", "--generate-coupons"]);
    assert!(dry.status.success(), "{}", stderr(&dry));
    let dry_summary = stdout(&dry);
    assert!(
        dry_summary.contains("simulation, rien n’a été modifié"),
        "{dry_summary}"
    );
    assert!(
        dry_summary.contains("Niveau") && dry_summary.contains("VIP"),
        "{dry_summary}"
    );
    assert!(
        stderr(&dry).contains("Clients"),
        "the progress bar: {}",
        stderr(&dry)
    );
    let moved = figure(&dry_summary, "Promotions") + figure(&dry_summary, "Rétrogradations");
    assert!(
        moved > 0,
        "demo levels are random, some must move:\n{dry_summary}"
    );

    let apply = analyze(&["--generate-coupons"]);
    assert!(apply.status.success(), "{}", stderr(&apply));
    let applied = stdout(&apply);
    for label in [
        "Promotions",
        "Rétrogradations",
        "Maintenus",
        "Coupons de félicitation",
    ] {
        assert_eq!(
            figure(&applied, label),
            figure(&dry_summary, label),
            "{label}: the dry run said what the apply did"
        );
    }
    assert!(applied.contains("(appliquée)"), "{applied}");

    let again = analyze(&["--generate-coupons"]);
    assert!(again.status.success(), "{}", stderr(&again));
    let again = stdout(&again);
    for label in ["Promotions", "Rétrogradations", "Coupons de félicitation"] {
        assert_eq!(
            figure(&again, label),
            0,
            "{label} the same day again:\n{again}"
        );
    }

    let future = sb.crm(&["loyalty", "analyze", "--as-of", "2999-01-01"], None);
    assert!(!future.status.success());
    assert!(
        stderr(&future).contains("la date de référence ne peut être après aujourd’hui"),
        "{}",
        stderr(&future)
    );
    let garbled = sb.crm(&["loyalty", "analyze", "--as-of", "hier"], None);
    assert_eq!(garbled.status.code(), Some(2), "{}", stderr(&garbled));
}
