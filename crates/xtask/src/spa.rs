//! Building the Leptos SPA into `frontend/dist` without trunk:
//! cargo (wasm32) → wasm-bindgen → wasm-opt → static files.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context, Result};

use crate::process;
use crate::toolchain::SpaTools;
use crate::workspace::Workspace;

const PACKAGE: &str = "crm-frontend";
const OUT_NAME: &str = "crm_frontend";
/// Written last into `dist`, so its presence and date mean "a complete build".
const WASM_FILE: &str = "crm_frontend_bg.wasm";
/// What the SPA is compiled from: the frontend and the crates it shares with the server.
const SOURCES: [&str; 5] = [
    "frontend",
    "crates/api-types",
    "crates/domain",
    "Cargo.toml",
    "Cargo.lock",
];
/// Copied verbatim next to the generated files, when present.
const STATIC_FILES: [&str; 3] = ["index.html", "style.css", "assets"];

/// `frontend/dist`, what the server serves.
pub fn dist_dir(ws: &Workspace) -> PathBuf {
    ws.path("frontend/dist")
}

/// Builds the SPA unless `frontend/dist` is newer than every source it comes from.
pub fn build_if_stale(ws: &Workspace, tools: &SpaTools) -> Result<()> {
    if is_up_to_date(ws) {
        eprintln!("[xtask] ✓ SPA: frontend/dist is up to date");
        return Ok(());
    }
    build(ws, tools)
}

/// Builds the SPA into `frontend/dist`.
pub fn build(ws: &Workspace, tools: &SpaTools) -> Result<()> {
    let wasm = compile_wasm(ws)?;
    // Generate in the target dir, then publish: an interrupted build never leaves a
    // half-written dist that the freshness check would take for a good one.
    let staging = ws.target_dir.join("crm-spa");
    recreate_dir(&staging)?;
    process::run(
        process::command(&tools.wasm_bindgen)
            .args(["--target", "web", "--no-typescript", "--out-dir"])
            .arg(&staging)
            .args(["--out-name", OUT_NAME])
            .arg(&wasm),
    )?;
    let staged_wasm = staging.join(WASM_FILE);
    process::run(
        process::command(&tools.wasm_opt)
            .args([
                "-Oz",
                "--enable-bulk-memory",
                "--enable-nontrapping-float-to-int",
                "--enable-sign-ext",
                "--enable-mutable-globals",
                "-o",
            ])
            .arg(&staged_wasm)
            .arg(&staged_wasm),
    )?;
    publish(ws, &staging)?;
    let size = std::fs::metadata(dist_dir(ws).join(WASM_FILE))?.len();
    eprintln!(
        "[xtask] ✓ SPA: frontend/dist built ({WASM_FILE}: {} KB)",
        size / 1024
    );
    Ok(())
}

/// Compiles the frontend for wasm32 and returns the .wasm Cargo produced, as Cargo
/// reports it: the file name of a wasm binary is Cargo's business, not ours to guess.
fn compile_wasm(ws: &Workspace) -> Result<PathBuf> {
    let stdout = process::capture(ws.cargo().args([
        "build",
        "--package",
        PACKAGE,
        "--target",
        "wasm32-unknown-unknown",
        "--profile",
        "wasm-release",
        "--message-format",
        "json-render-diagnostics",
    ]))?;
    let mut wasm_files = Vec::new();
    for line in stdout.lines() {
        let line = line.context("cargo printed non-UTF-8 output")?;
        let Ok(message) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        let is_binary = message["reason"] == "compiler-artifact"
            && message["target"]["kind"]
                .as_array()
                .is_some_and(|kinds| kinds.iter().any(|kind| kind == "bin"));
        if !is_binary {
            continue;
        }
        let files = message["filenames"].as_array().into_iter().flatten();
        wasm_files.extend(
            files
                .filter_map(|file| file.as_str())
                .filter(|file| file.ends_with(".wasm"))
                .map(PathBuf::from),
        );
    }
    match wasm_files.as_slice() {
        [wasm] => Ok(wasm.clone()),
        [] => {
            bail!("building {PACKAGE} produced no .wasm binary: does frontend/src/main.rs exist?")
        }
        several => bail!("building {PACKAGE} produced several .wasm binaries: {several:?}"),
    }
}

/// Replaces `frontend/dist` with the static files and the staged build output.
fn publish(ws: &Workspace, staging: &Path) -> Result<()> {
    let frontend = ws.path("frontend");
    if !frontend.join("index.html").is_file() {
        bail!("frontend/index.html is missing: the SPA has no page to load the wasm from");
    }
    let dist = dist_dir(ws);
    recreate_dir(&dist)?;
    for name in STATIC_FILES {
        let source = frontend.join(name);
        if source.exists() {
            copy_tree(&source, &dist.join(name))?;
        }
    }
    for entry in read_dir(staging)? {
        if entry.file_name() != WASM_FILE {
            copy_tree(&entry.path(), &dist.join(entry.file_name()))?;
        }
    }
    copy_tree(&staging.join(WASM_FILE), &dist.join(WASM_FILE))
}

/// True when the last complete build is newer than every file it is built from.
/// Only a cheap mtime comparison: Cargo still decides what to recompile.
fn is_up_to_date(ws: &Workspace) -> bool {
    let dist = dist_dir(ws);
    let Ok(built) = modified(&dist.join(WASM_FILE)) else {
        return false;
    };
    if !dist.join("index.html").exists() {
        return false;
    }
    SOURCES.iter().all(|source| {
        newest_mtime(&ws.path(source), &dist).is_ok_and(|newest| newest.is_none_or(|t| t <= built))
    })
}

/// The newest modification time under `path`, skipping `excluded` (the build output).
fn newest_mtime(path: &Path, excluded: &Path) -> Result<Option<SystemTime>> {
    if path == excluded || !path.exists() {
        return Ok(None);
    }
    let mut newest = Some(modified(path)?);
    if path.is_dir() {
        for entry in read_dir(path)? {
            newest = newest.max(newest_mtime(&entry.path(), excluded)?);
        }
    }
    Ok(newest)
}

fn modified(path: &Path) -> Result<SystemTime> {
    std::fs::metadata(path)
        .and_then(|metadata| metadata.modified())
        .with_context(|| format!("cannot read the date of {}", path.display()))
}

fn read_dir(dir: &Path) -> Result<Vec<std::fs::DirEntry>> {
    std::fs::read_dir(dir)
        .and_then(|entries| entries.collect())
        .with_context(|| format!("cannot list {}", dir.display()))
}

fn recreate_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("cannot remove {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))
}

/// Copies a file or a directory recursively.
fn copy_tree(source: &Path, destination: &Path) -> Result<()> {
    if source.is_dir() {
        std::fs::create_dir_all(destination)
            .with_context(|| format!("cannot create {}", destination.display()))?;
        for entry in read_dir(source)? {
            copy_tree(&entry.path(), &destination.join(entry.file_name()))?;
        }
        return Ok(());
    }
    std::fs::copy(source, destination).with_context(|| {
        format!(
            "cannot copy {} to {}",
            source.display(),
            destination.display()
        )
    })?;
    Ok(())
}
