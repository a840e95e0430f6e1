//! Making sure the PostgreSQL server the tests use answers.

use std::net::{TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::process;

/// The local server of the development machines and of CI (trust authentication).
pub const DEFAULT_TEST_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const CLUSTERS_DIR: &str = "/etc/postgresql";
const START_TIMEOUT: Duration = Duration::from_secs(30);

/// Checks that the server of `url` accepts TCP connections, starting the local
/// Debian clusters when it is a local server that is down.
pub fn ensure_reachable(url: &str) -> Result<()> {
    let Some((host, port)) = host_and_port(url) else {
        eprintln!("[xtask] ✓ PostgreSQL: {url} uses a Unix socket, not checked");
        return Ok(());
    };
    let label = format!("PostgreSQL at {host}:{port}");
    if accepts_connections(&host, port) {
        eprintln!("[xtask] ✓ {label}: reachable");
        return Ok(());
    }
    if !is_local(&host) {
        bail!("{label} does not answer; start it or point CRM_TEST_PG at a running server");
    }
    eprintln!("[xtask] → {label}: not answering, starting the local clusters");
    start_local_clusters()?;
    let started = Instant::now();
    while started.elapsed() < START_TIMEOUT {
        if accepts_connections(&host, port) {
            eprintln!("[xtask] ✓ {label}: reachable");
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    bail!(
        "{label} still does not answer after starting the clusters of {CLUSTERS_DIR}. \
         Install PostgreSQL (apt-get install postgresql) with trust authentication for \
         127.0.0.1, or set CRM_TEST_PG to a reachable server"
    )
}

/// Starts every cluster named `main` that Debian's postgresql-common knows of.
fn start_local_clusters() -> Result<()> {
    let Ok(versions) = std::fs::read_dir(CLUSTERS_DIR) else {
        bail!(
            "PostgreSQL is not installed ({CLUSTERS_DIR} is missing): apt-get install postgresql"
        );
    };
    for version in versions.flatten() {
        let version = version.file_name();
        // The cluster may be half-started or belong to another major version: keep trying
        // the others and let the connection check decide.
        let _ = process::status(
            process::command("pg_ctlcluster")
                .arg("--skip-systemctl-redirect")
                .arg(&version)
                .args(["main", "start"]),
        );
    }
    Ok(())
}

fn accepts_connections(host: &str, port: u16) -> bool {
    let Ok(addresses) = (host, port).to_socket_addrs() else {
        return false;
    };
    addresses
        .into_iter()
        .any(|address| TcpStream::connect_timeout(&address, Duration::from_secs(2)).is_ok())
}

fn is_local(host: &str) -> bool {
    matches!(host, "localhost" | "127.0.0.1" | "::1")
}

/// Host and port of a `postgres://user:password@host:port/db?…` URL; `None` when the
/// URL names no host (a Unix socket).
fn host_and_port(url: &str) -> Option<(String, u16)> {
    let rest = url.split_once("://").map_or(url, |(_, rest)| rest);
    let authority = rest.split(['/', '?']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = match host_port.strip_prefix('[') {
        // IPv6 literal: [::1]:5432
        Some(bracketed) => {
            let (host, after) = bracketed.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        },
    };
    if host.is_empty() {
        return None;
    }
    let port = port.and_then(|port| port.parse().ok()).unwrap_or(5432);
    Some((host.to_owned(), port))
}

#[cfg(test)]
mod tests {
    use super::host_and_port;

    #[test]
    fn reads_host_and_port_from_connection_urls() {
        let parsed = host_and_port;
        assert_eq!(
            parsed(super::DEFAULT_TEST_URL),
            Some(("127.0.0.1".into(), 5432))
        );
        assert_eq!(
            parsed("postgres://crm:s3cr@t@db:6543/crm?sslmode=disable"),
            Some(("db".into(), 6543))
        );
        assert_eq!(parsed("postgresql://[::1]/x"), Some(("::1".into(), 5432)));
        assert_eq!(parsed("postgres:///crm?host=/run/postgresql"), None);
    }
}
