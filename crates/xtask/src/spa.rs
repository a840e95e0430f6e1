//! Building the Leptos SPA into `frontend/dist` without trunk:
//! cargo (wasm32) → wasm-bindgen → wasm-opt → static files → fingerprints → compression.
//!
//! The files the page loads get their content's hash in their names
//! (`crm_frontend_bg-<16 hex>.wasm`), so the server can let browsers keep them for a year
//! and a new build is still picked up at once: only `index.html`, which names them, is
//! revalidated on every visit. The WebAssembly (≈1.4 MB) and the scripts and styles are
//! also written brotli- and gzip-compressed beside the original, at the highest levels —
//! too slow to do per request, free once at build time — for the server to send to
//! browsers that accept them.

use std::io::BufRead;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::{bail, Context, Result};

use crate::process;
use crate::toolchain::SpaTools;
use crate::workspace::Workspace;

const PACKAGE: &str = "crm-frontend";
const OUT_NAME: &str = "crm_frontend";
/// The WebAssembly wasm-bindgen writes (before it is fingerprinted).
const WASM_FILE: &str = "crm_frontend_bg.wasm";
/// Written last into `dist`, so its presence and date mean "a complete build".
const INDEX_FILE: &str = "index.html";
/// The files `index.html` loads, renamed with their hash; a file comes after the files
/// it names (`boot.js` names the glue and the WebAssembly).
const FINGERPRINTED: [&str; 4] = [
    "crm_frontend_bg.wasm",
    "crm_frontend.js",
    "style.css",
    "boot.js",
];
/// Extensions of the files also written compressed (`.br`, `.gz`).
const COMPRESSED: [&str; 3] = ["wasm", "js", "css"];
/// What the SPA is compiled from: the frontend and the crates it shares with the server.
const SOURCES: [&str; 5] = [
    "frontend",
    "crates/api-types",
    "crates/domain",
    "Cargo.toml",
    "Cargo.lock",
];
/// Copied verbatim next to the generated files, when present.
const STATIC_FILES: [&str; 3] = ["boot.js", "style.css", "assets"];

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
    let wasm = publish(ws, &staging)?;
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len() / 1024);
    eprintln!(
        "[xtask] ✓ SPA: frontend/dist built ({}: {} KB, {} KB brotli, {} KB gzip)",
        wasm.display(),
        size(&wasm)?,
        size(&with_suffix(&wasm, "br"))?,
        size(&with_suffix(&wasm, "gz"))?,
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

/// Replaces `frontend/dist` with the static files and the staged build output,
/// fingerprinted and compressed; returns the path of the published WebAssembly.
fn publish(ws: &Workspace, staging: &Path) -> Result<PathBuf> {
    let frontend = ws.path("frontend");
    let index = std::fs::read_to_string(frontend.join(INDEX_FILE))
        .context("frontend/index.html is missing: the SPA has no page to load the wasm from")?;
    let dist = dist_dir(ws);
    recreate_dir(&dist)?;
    for name in STATIC_FILES {
        let source = frontend.join(name);
        if source.exists() {
            copy_tree(&source, &dist.join(name))?;
        }
    }
    for entry in read_dir(staging)? {
        copy_tree(&entry.path(), &dist.join(entry.file_name()))?;
    }
    let mut renamed: Vec<(String, String)> = Vec::new();
    for name in FINGERPRINTED {
        let path = dist.join(name);
        let contents = rewrite_names(&std::fs::read(&path)?, &renamed);
        let fingerprinted = fingerprinted_name(name, &contents);
        std::fs::write(dist.join(&fingerprinted), &contents)
            .with_context(|| format!("cannot write {fingerprinted}"))?;
        std::fs::remove_file(&path)?;
        renamed.push((name.to_owned(), fingerprinted));
    }
    compress_tree(&dist)?;
    let index = rewrite_names(index.as_bytes(), &renamed);
    std::fs::write(dist.join(INDEX_FILE), index)
        .context("cannot write frontend/dist/index.html")?;
    let wasm = renamed
        .iter()
        .find(|(name, _)| name == WASM_FILE)
        .map(|(_, fingerprinted)| dist.join(fingerprinted));
    wasm.context("the WebAssembly was not fingerprinted")
}

/// `name` with the first 16 hex digits of the SHA-256 of `contents` before its
/// extension: `boot.js` → `boot-0123456789abcdef.js`. The server recognises this form
/// and lets browsers cache such files for good.
fn fingerprinted_name(name: &str, contents: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let hash: String = Sha256::digest(contents)[..8]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    match name.rsplit_once('.') {
        Some((stem, extension)) => format!("{stem}-{hash}.{extension}"),
        None => format!("{name}-{hash}"),
    }
}

/// `contents` with every absolute reference `/old` replaced by `/new`.
fn rewrite_names(contents: &[u8], renamed: &[(String, String)]) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(contents) else {
        return contents.to_vec();
    };
    renamed
        .iter()
        .fold(text.to_owned(), |text, (old, new)| {
            text.replace(&format!("/{old}"), &format!("/{new}"))
        })
        .into_bytes()
}

/// Writes `x.br` and `x.gz` beside every `x` under `dir` whose extension is in
/// [`COMPRESSED`].
fn compress_tree(dir: &Path) -> Result<()> {
    for entry in read_dir(dir)? {
        let path = entry.path();
        if path.is_dir() {
            compress_tree(&path)?;
            continue;
        }
        let compressible = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| COMPRESSED.contains(&e));
        if compressible {
            let contents = std::fs::read(&path)?;
            std::fs::write(with_suffix(&path, "br"), brotli_of(&contents)?)?;
            std::fs::write(with_suffix(&path, "gz"), gzip_of(&contents)?)?;
        }
    }
    Ok(())
}

fn brotli_of(contents: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    // Quality 11 and a 4 MB window: the smallest output brotli makes.
    let mut out = brotli::CompressorWriter::new(Vec::new(), 64 * 1024, 11, 22);
    out.write_all(contents)?;
    out.flush()?;
    Ok(out.into_inner())
}

fn gzip_of(contents: &[u8]) -> Result<Vec<u8>> {
    use std::io::Write;
    let mut out = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    out.write_all(contents)?;
    Ok(out.finish()?)
}

/// `path` with `.suffix` appended (`a.wasm` → `a.wasm.br`).
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".");
    name.push(suffix);
    PathBuf::from(name)
}

/// True when the last complete build is newer than every file it is built from.
/// Only a cheap mtime comparison: Cargo still decides what to recompile.
fn is_up_to_date(ws: &Workspace) -> bool {
    let dist = dist_dir(ws);
    let Ok(built) = modified(&dist.join(INDEX_FILE)) else {
        return false;
    };
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_follow_the_contents_and_keep_the_extension() {
        let a = fingerprinted_name("crm_frontend_bg.wasm", b"one");
        assert!(
            a.starts_with("crm_frontend_bg-") && a.ends_with(".wasm"),
            "{a}"
        );
        assert_eq!(a.len(), "crm_frontend_bg-.wasm".len() + 16);
        assert_ne!(a, fingerprinted_name("crm_frontend_bg.wasm", b"two"));
        assert_eq!(a, fingerprinted_name("crm_frontend_bg.wasm", b"one"));
    }

    #[test]
    fn references_are_rewritten_to_the_fingerprinted_names() {
        let renamed = vec![
            (
                "crm_frontend_bg.wasm".to_owned(),
                "crm_frontend_bg-00.wasm".to_owned(),
            ),
            (
                "crm_frontend.js".to_owned(),
                "crm_frontend-11.js".to_owned(),
            ),
        ];
        let boot = b"import init from '/crm_frontend.js'; init('/crm_frontend_bg.wasm');";
        assert_eq!(
            String::from_utf8(rewrite_names(boot, &renamed)).unwrap(),
            "import init from '/crm_frontend-11.js'; init('/crm_frontend_bg-00.wasm');"
        );
    }

    #[test]
    fn compressed_copies_decompress_to_the_original() {
        use std::io::Read;
        let original = b"(module) ".repeat(1000);
        let mut unbrotlied = Vec::new();
        brotli::Decompressor::new(&brotli_of(&original).unwrap()[..], 4096)
            .read_to_end(&mut unbrotlied)
            .unwrap();
        assert_eq!(unbrotlied, original);
        let mut ungzipped = Vec::new();
        flate2::read::GzDecoder::new(&gzip_of(&original).unwrap()[..])
            .read_to_end(&mut ungzipped)
            .unwrap();
        assert_eq!(ungzipped, original);
    }
}
