//! Where the workspace lives and what its lockfile pins.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, Context, Result};

use crate::process;

/// The Cargo workspace xtask works on.
pub struct Workspace {
    /// The directory of the root `Cargo.toml`; every task runs from there.
    pub root: PathBuf,
    /// Cargo's target directory, which `CARGO_TARGET_DIR` may have moved out of the repo.
    pub target_dir: PathBuf,
    cargo: OsString,
}

impl Workspace {
    /// Asks Cargo where the workspace and its target directory are.
    pub fn locate() -> Result<Self> {
        // `cargo run` tells us which cargo started us: reuse it so that nested builds use
        // the same toolchain even when the rustup default differs.
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut metadata = process::command(&cargo);
        metadata.args(["metadata", "--format-version", "1", "--no-deps"]);
        if let Some(xtask_dir) = std::env::var_os("CARGO_MANIFEST_DIR") {
            metadata.current_dir(xtask_dir);
        }
        let output = metadata
            .output()
            .context("cannot run `cargo metadata`: is cargo installed?")?;
        if !output.status.success() {
            bail!(
                "`cargo metadata` failed:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)
            .context("`cargo metadata` printed invalid JSON")?;
        let path_field = |name: &str| -> Result<PathBuf> {
            metadata[name]
                .as_str()
                .map(PathBuf::from)
                .with_context(|| format!("`cargo metadata` gave no `{name}`"))
        };
        Ok(Self {
            root: path_field("workspace_root")?,
            target_dir: path_field("target_directory")?,
            cargo,
        })
    }

    /// A `cargo` command run from the workspace root.
    pub fn cargo(&self) -> Command {
        let mut cmd = process::command(&self.cargo);
        cmd.current_dir(&self.root);
        cmd
    }

    /// A path relative to the workspace root.
    pub fn path(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    /// The version `Cargo.lock` resolves `package` to (the first one if several are).
    pub fn locked_version(&self, package: &str) -> Result<String> {
        let lockfile = self.path("Cargo.lock");
        if !lockfile.exists() {
            // A clone without a lockfile: let Cargo resolve one rather than guess.
            process::run(self.cargo().arg("generate-lockfile"))?;
        }
        let text = std::fs::read_to_string(&lockfile)
            .with_context(|| format!("cannot read {}", lockfile.display()))?;
        locked_version_in(&text, package).with_context(|| {
            format!(
                "Cargo.lock has no `{package}` package: is crm-frontend a member of the workspace?"
            )
        })
    }
}

/// Finds `version` of the `[[package]]` entry named `package` in a Cargo.lock text.
/// A line-based scan is enough: Cargo writes `name` then `version` in every entry.
fn locked_version_in(lockfile: &str, package: &str) -> Option<String> {
    let wanted_name = format!("name = \"{package}\"");
    let mut in_wanted_entry = false;
    for line in lockfile.lines().map(str::trim) {
        if line == "[[package]]" {
            in_wanted_entry = false;
        } else if line == wanted_name {
            in_wanted_entry = true;
        } else if in_wanted_entry {
            if let Some(version) = line.strip_prefix("version = ") {
                return Some(version.trim_matches('"').to_owned());
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::locked_version_in;

    const LOCK: &str = r#"
[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
"#;

    #[test]
    fn finds_the_exact_package_not_a_prefix_match() {
        assert_eq!(
            locked_version_in(LOCK, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version_in(LOCK, "wasm"), None);
    }
}
