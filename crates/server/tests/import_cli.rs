//! `crm import legacy` as operators run it: exit codes, the printed report and its file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

struct Sandbox {
    dir: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir =
            std::env::temp_dir().join(format!("crm-import-cli-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        Sandbox { dir }
    }

    fn crm(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_crm"))
            .args(args)
            .current_dir(&self.dir)
            .env(
                "CRM_DATABASE_URL",
                format!("sqlite://{}/crm.sqlite?mode=rwc", self.dir.display()),
            )
            .env("CRM_DATA_DIR", &self.dir)
            .env("RUST_LOG", "warn")
            .output()
            .unwrap()
    }

    /// Copies a fixture export into the sandbox (the report is written next to it).
    fn export(&self, fixture: &str) -> PathBuf {
        let from = Path::new(env!("CARGO_MANIFEST_DIR"))
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
fn import_prints_and_writes_the_report_then_finds_nothing_new() {
    let sb = Sandbox::new();
    let dir = sb.export("legacy");
    let first = sb.crm(&["import", "legacy", "--dir", dir.to_str().unwrap()]);
    assert!(first.status.success(), "{}", stderr(&first));
    let out = stdout(&first);
    assert!(out.contains("Lignes refusées (8)"), "{out}");
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
    let second = sb.crm(&[
        "import",
        "legacy",
        "--dir",
        dir.to_str().unwrap(),
        "--report",
        custom.to_str().unwrap(),
    ]);
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
    let run = sb.crm(&["import", "legacy", "--dir", dir.to_str().unwrap()]);
    assert!(!run.status.success());
    let err = stderr(&run);
    assert!(
        err.contains("clients.csv : colonne obligatoire « phone » absente"),
        "{err}"
    );
    assert!(!dir.join("import-report.txt").exists());
}
