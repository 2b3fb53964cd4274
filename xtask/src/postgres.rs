//! A throwaway PostgreSQL cluster for the tests: Debian's server binaries, a temporary
//! directory, a free loopback port; stopped and deleted when dropped.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// A running cluster; `url` is an admin URL (database `postgres`, user `postgres`, trust
/// authentication on loopback only).
pub struct Cluster {
    bin: PathBuf,
    data: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    /// `postgres://postgres@127.0.0.1:<port>/postgres`
    pub url: String,
}

/// The newest `/usr/lib/postgresql/<version>/bin` holding a server.
fn server_binaries() -> Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL's server is not installed (/usr/lib/postgresql is missing)")?
        .filter_map(|entry| entry.ok())
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .context("no PostgreSQL server binaries under /usr/lib/postgresql")
}

/// Debian's server package, for a machine that lacks it.
fn install_server() -> Result<()> {
    crate::say("installing Debian's postgresql server");
    let apt = |args: &[&str]| {
        let mut command = if crate::is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        crate::run(&mut command)
    };
    apt(&["update", "-qq"])?;
    apt(&["install", "-y", "-qq", "postgresql"])
}

fn free_port() -> Result<u16> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
    Ok(listener.local_addr()?.port())
}

impl Cluster {
    fn command(&self, program: &str) -> Command {
        command(&self.bin, program, self.as_postgres)
    }

    /// Creates and starts a cluster; returns once it accepts connections.
    pub fn start() -> Result<Self> {
        let bin = match server_binaries() {
            Ok(bin) => bin,
            Err(_) => {
                install_server()?;
                server_binaries()?
            }
        };
        // PostgreSQL refuses to run as root: root runs it as the `postgres` user.
        let as_postgres = crate::is_root();
        let dir = std::env::temp_dir().join(format!("bgcheck-postgres-{}", std::process::id()));
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        std::fs::create_dir_all(&dir)?;
        if as_postgres {
            crate::run(Command::new("chown").arg("postgres").arg(&dir))?;
        }
        let data = dir.join("data");
        let port = free_port()?;
        let cluster = Self {
            bin,
            data,
            dir,
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        let initdb = cluster
            .command("initdb")
            .args([
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
                "-D",
            ])
            .arg(&cluster.data)
            .stdout(Stdio::null())
            .status()
            .context("running initdb")?;
        if !initdb.success() {
            bail!("initdb failed ({initdb})");
        }
        // Tests need no durability across a power cut: fsync off keeps them fast.
        let log = cluster.dir.join("server.log");
        let started = cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(&cluster.data)
            .arg("-l")
            .arg(&log)
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off \
                 -c synchronous_commit=off -c max_connections=400",
                cluster.dir.display()
            ))
            .args(["-w", "-t", "30", "start"])
            .stdout(Stdio::null())
            .status()
            .context("running pg_ctl start")?;
        if !started.success() {
            bail!(
                "PostgreSQL did not start ({started}); see {}",
                log.display()
            );
        }
        wait_for_port(port)?;
        Ok(cluster)
    }
}

fn command(bin: &Path, program: &str, as_postgres: bool) -> Command {
    if as_postgres {
        let mut command = Command::new("runuser");
        command
            .args(["-u", "postgres", "--"])
            .arg(bin.join(program));
        command
    } else {
        Command::new(bin.join(program))
    }
}

fn wait_for_port(port: u16) -> Result<()> {
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    bail!("PostgreSQL did not open port {port}")
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
