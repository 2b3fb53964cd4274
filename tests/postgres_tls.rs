//! TLS to PostgreSQL: a cluster of the test's own that refuses plain connections, with a
//! certificate the test issues from a CA of its own, reached through `sslmode` in the URL.
//! Runs where `BGCHECK_TEST_POSTGRES` is set (the machine has PostgreSQL's server); otherwise
//! each test says it was skipped.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use bgcheck::proxy::crypto::Vault;
use bgcheck::proxy::secret::Secret;
use bgcheck::proxy::store::Store;

/// A throwaway cluster with `ssl = on` that answers only TLS connections from loopback.
struct TlsCluster {
    bin: PathBuf,
    data: PathBuf,
    dir: tempfile::TempDir,
    port: u16,
    as_postgres: bool,
}

fn server_binaries() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .expect("PostgreSQL's server binaries under /usr/lib/postgresql")
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let version = entry.file_name().to_string_lossy().parse().ok()?;
            let bin = entry.path().join("bin");
            bin.join("postgres").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found.pop().expect("a PostgreSQL server").1
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|output| String::from_utf8_lossy(&output.stdout).trim() == "0")
}

impl TlsCluster {
    fn command(&self, program: &str) -> Command {
        if self.as_postgres {
            let mut command = Command::new("runuser");
            command
                .args(["-u", "postgres", "--"])
                .arg(self.bin.join(program));
            command
        } else {
            Command::new(self.bin.join(program))
        }
    }

    fn give_to_server(&self, path: &Path) {
        if self.as_postgres {
            let status = Command::new("chown")
                .arg("-R")
                .arg("postgres")
                .arg(path)
                .status()
                .unwrap();
            assert!(status.success());
        }
    }

    /// Starts the cluster serving `certificate` and `key` (PEM).
    fn start(certificate: &str, key: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let cluster = Self {
            bin: server_binaries(),
            data: dir.path().join("data"),
            dir,
            port,
            // PostgreSQL refuses to run as root: root runs it as the `postgres` user.
            as_postgres: is_root(),
        };
        cluster.give_to_server(cluster.dir.path());
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
            .unwrap();
        assert!(initdb.success(), "initdb failed");
        std::fs::write(cluster.data.join("server.crt"), certificate).unwrap();
        std::fs::write(cluster.data.join("server.key"), key).unwrap();
        // Plain TCP is refused outright: a client that connects proved it spoke TLS.
        std::fs::write(
            cluster.data.join("pg_hba.conf"),
            "local all all trust\n\
             hostssl all all 127.0.0.1/32 trust\n\
             hostnossl all all 127.0.0.1/32 reject\n",
        )
        .unwrap();
        cluster.give_to_server(&cluster.data);
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(
                cluster.data.join("server.key"),
                std::fs::Permissions::from_mode(0o600),
            )
            .unwrap();
        }
        let started = cluster
            .command("pg_ctl")
            .arg("-D")
            .arg(&cluster.data)
            .arg("-l")
            .arg(cluster.dir.path().join("server.log"))
            .arg("-o")
            .arg(format!(
                "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c ssl=on \
                 -c ssl_cert_file=server.crt -c ssl_key_file=server.key",
                cluster.dir.path().display()
            ))
            .args(["-w", "-t", "30", "start"])
            .stdout(Stdio::null())
            .status()
            .unwrap();
        assert!(started.success(), "pg_ctl start failed");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "PostgreSQL did not open its port"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        cluster
    }

    fn url(&self, host: &str, parameters: &str) -> Secret {
        Secret::new(format!(
            "postgres://postgres@{host}:{}/postgres?{parameters}",
            self.port
        ))
    }
}

impl Drop for TlsCluster {
    fn drop(&mut self) {
        let _ = self
            .command("pg_ctl")
            .arg("-D")
            .arg(&self.data)
            .args(["-m", "immediate", "-w", "stop"])
            .stdout(Stdio::null())
            .status();
    }
}

/// A CA, and a server certificate it signed for `localhost` only.
fn issue() -> (String, String, String) {
    use rcgen::{BasicConstraints, CertificateParams, IsCa, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca_params = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca_params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    let ca = ca_params.self_signed(&ca_key).unwrap();
    let server_key = KeyPair::generate().unwrap();
    let server = CertificateParams::new(vec!["localhost".to_owned()])
        .unwrap()
        .signed_by(&server_key, &ca, &ca_key)
        .unwrap();
    (ca.pem(), server.pem(), server_key.serialize_pem())
}

fn vault() -> Vault {
    Vault::from_encoded_key(&Secret::new(
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    ))
    .unwrap()
}

/// A cluster, and the CA file that trusts its certificate; `None` (said) when skipped.
fn cluster() -> Option<(TlsCluster, tempfile::TempDir, String)> {
    if std::env::var("BGCHECK_TEST_POSTGRES").is_err() {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: BGCHECK_TEST_POSTGRES is unset, so this PostgreSQL TLS test did not run"
        );
        return None;
    }
    let (ca, certificate, key) = issue();
    let cluster = TlsCluster::start(&certificate, &key);
    let files = tempfile::tempdir().unwrap();
    let ca_file = files.path().join("ca.pem");
    std::fs::write(&ca_file, ca).unwrap();
    let ca_file = ca_file.to_string_lossy().into_owned();
    Some((cluster, files, ca_file))
}

async fn connects(url: &Secret) -> Result<(), String> {
    Store::connect(url, vault())
        .await
        .map(drop)
        .map_err(|error| format!("{error:#}"))
}

#[tokio::test]
async fn verify_full_reaches_a_database_that_requires_tls_when_its_ca_is_trusted() {
    let Some((cluster, _files, ca)) = cluster() else {
        return;
    };
    let trusted = format!("sslmode=verify-full&sslrootcert={ca}");
    connects(&cluster.url("localhost", &trusted))
        .await
        .expect("a certificate for localhost from the trusted CA");
}

#[tokio::test]
async fn an_untrusted_or_misnamed_certificate_is_refused_under_verify_full() {
    let Some((cluster, _files, ca)) = cluster() else {
        return;
    };
    // Mozilla's roots do not include the test's CA.
    let untrusted = connects(&cluster.url("localhost", "sslmode=verify-full"))
        .await
        .unwrap_err();
    assert!(untrusted.contains("UnknownIssuer"), "{untrusted}");
    // The certificate names localhost, not 127.0.0.1.
    let trusted = format!("sslmode=verify-full&sslrootcert={ca}");
    let misnamed = connects(&cluster.url("127.0.0.1", &trusted))
        .await
        .unwrap_err();
    assert!(misnamed.contains("not valid for name"), "{misnamed}");
    // verify-ca checks the chain only, so the same address is accepted.
    let chain_only = format!("sslmode=verify-ca&sslrootcert={ca}");
    connects(&cluster.url("127.0.0.1", &chain_only))
        .await
        .expect("verify-ca accepts any name on a trusted chain");
}

#[tokio::test]
async fn require_encrypts_without_checking_and_disable_is_refused_by_such_a_server() {
    let Some((cluster, _files, _ca)) = cluster() else {
        return;
    };
    connects(&cluster.url("localhost", "sslmode=require"))
        .await
        .expect("require encrypts whatever the certificate");
    let plain = connects(&cluster.url("127.0.0.1", "sslmode=disable"))
        .await
        .unwrap_err();
    assert!(plain.contains("no encryption"), "{plain}");
}
