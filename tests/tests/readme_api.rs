//! The README's "API in one minute" works as written on a fresh machine: its shell blocks,
//! run one after the other against a real server with the demo store, with only `curl`,
//! `sed` and `cat` on the `PATH` (no `jq`, no `uuidgen`), do what the text says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "test code: a failed step fails the test loudly"
)]

use crm_tests::{spawn, Backend};

/// The `sh` blocks of the README section "API in one minute", in order.
fn api_in_one_minute() -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).unwrap();
    let section = readme
        .split("\n## ")
        .find(|s| s.starts_with("API in one minute"))
        .expect("the README has its section \"API in one minute\"");
    let mut script = String::new();
    let mut in_block = false;
    for line in section.lines() {
        match (in_block, line.trim_end()) {
            (false, "```sh") => in_block = true,
            (true, "```") => in_block = false,
            (true, command) => {
                script.push_str(command);
                script.push('\n');
            }
            _ => {}
        }
    }
    script
}

/// A new folder holding only the tools the section may use.
fn bare_path() -> std::path::PathBuf {
    let bin = std::env::temp_dir().join(format!(
        "crm-readme-bin-{}-{}",
        std::process::id(),
        chrono::Utc::now().timestamp_nanos_opt().unwrap()
    ));
    std::fs::create_dir_all(&bin).unwrap();
    for tool in ["curl", "sed", "cat"] {
        let found = ["/usr/bin", "/bin", "/usr/local/bin"]
            .iter()
            .map(|dir| std::path::Path::new(dir).join(tool))
            .find(|path| path.exists())
            .unwrap_or_else(|| panic!("{tool} is on this machine"));
        std::os::unix::fs::symlink(found, bin.join(tool)).unwrap();
    }
    bin
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_api_examples_run_as_written() {
    let app = spawn(Backend::Sqlite).await;
    crm_server::demo::seed_if_empty(&app.state).await.unwrap();
    let script = api_in_one_minute();
    assert!(script.contains("localhost:8080"), "{script}");
    let host = app.base_url.trim_start_matches("http://");
    let script = script.replace("localhost:8080", host);
    let bin = bare_path();
    let path = bin.clone();
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("/bin/bash")
            .args(["-eu", "-o", "pipefail", "-c", &script])
            .env_clear()
            .env("PATH", &path)
            // Files the section writes (`-o clients.csv`) land there, and go with it.
            .current_dir(&path)
            .output()
    })
    .await
    .unwrap()
    .unwrap();
    std::fs::remove_dir_all(&bin).unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "the section failed:\n{stdout}\n{stderr}"
    );
    assert!(stderr.is_empty(), "no tool is missing: {stderr}");
    // Identify finds Aya Kouassi; the sale is recorded once and found again by its key;
    // Mes ventes counts it; the quote and the director's KPIs answer.
    assert!(stdout.contains("Kouassi"), "{stdout}");
    let tickets: Vec<&str> = stdout
        .split('"')
        .filter(|piece| piece.starts_with("TKT-"))
        .collect();
    assert!(
        tickets.len() >= 2 && tickets.iter().all(|t| *t == tickets[0]),
        "one sale, read back by its key: {stdout}"
    );
    assert!(stdout.contains("\"sales_count\":1"), "{stdout}");
    assert!(stdout.contains("\"valid\":true"), "{stdout}");
    assert!(
        stdout.contains("\"identification\""),
        "the director's KPIs: {stdout}"
    );
    assert!(
        !stdout.contains("auth.") && !stdout.contains("\"status\":4"),
        "no refusal: {stdout}"
    );
}
