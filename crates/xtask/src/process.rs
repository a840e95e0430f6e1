//! Launching the external programs a task is made of.
//!
//! Every command is echoed before it runs so that a failing CI log shows exactly what
//! was executed, and can be pasted into a shell to reproduce it.

use std::ffi::OsStr;
use std::process::{Command, ExitStatus, Stdio};

use anyhow::{bail, Context, Result};

/// A command for `program` without the variables `cargo run` set for xtask itself:
/// they describe the xtask package and would mislead the programs we start
/// (a server or a test reading `CARGO_MANIFEST_DIR` would look in `crates/xtask`).
pub fn command(program: impl AsRef<OsStr>) -> Command {
    let mut cmd = Command::new(program);
    for (name, _) in std::env::vars_os() {
        let Some(name) = name.to_str() else { continue };
        let describes_xtask = name.starts_with("CARGO_PKG_")
            || matches!(
                name,
                "CARGO_MANIFEST_DIR"
                    | "CARGO_MANIFEST_PATH"
                    | "CARGO_BIN_NAME"
                    | "CARGO_CRATE_NAME"
                    | "CARGO_PRIMARY_PACKAGE"
            );
        if describes_xtask {
            cmd.env_remove(name);
        }
    }
    cmd
}

/// Runs `cmd` with inherited stdio and fails unless it exits successfully.
pub fn run(cmd: &mut Command) -> Result<()> {
    let status = status(cmd)?;
    if !status.success() {
        bail!("`{}` failed ({status})", describe(cmd));
    }
    Ok(())
}

/// Runs `cmd` with inherited stdio and returns how it ended, whatever that was.
pub fn status(cmd: &mut Command) -> Result<ExitStatus> {
    eprintln!("$ {}", describe(cmd));
    cmd.status()
        .with_context(|| format!("cannot start `{}`", describe(cmd)))
}

/// Runs `cmd` quietly and returns its trimmed stdout, or `None` when the program is
/// missing or fails: used to probe whether a tool is installed.
pub fn probe(cmd: &mut Command) -> Option<String> {
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    Some(String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Runs `cmd`, letting its stderr through, and returns its stdout; fails on a non-zero exit.
pub fn capture(cmd: &mut Command) -> Result<Vec<u8>> {
    eprintln!("$ {}", describe(cmd));
    let output = cmd
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .with_context(|| format!("cannot start `{}`", describe(cmd)))?;
    if !output.status.success() {
        bail!("`{}` failed ({})", describe(cmd), output.status);
    }
    Ok(output.stdout)
}

/// The exit code a task should end with after `status`: a signal counts as a failure.
pub fn exit_code(status: ExitStatus) -> i32 {
    status.code().unwrap_or(1)
}

/// The command line as a shell user would type it.
pub fn describe(cmd: &Command) -> String {
    let mut line = cmd.get_program().to_string_lossy().into_owned();
    for arg in cmd.get_args() {
        let arg = arg.to_string_lossy();
        line.push(' ');
        if arg.is_empty()
            || arg.contains(|c: char| c.is_whitespace() || "'\"$&|;<>()*?".contains(c))
        {
            line.push('\'');
            line.push_str(&arg.replace('\'', r"'\''"));
            line.push('\'');
        } else {
            line.push_str(&arg);
        }
    }
    line
}
