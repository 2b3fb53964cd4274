//! Project tasks: `cargo xtask demo`, `cargo xtask test`, `cargo xtask lint`,
//! `cargo xtask widget`, `cargo xtask size`, `cargo xtask bench-widget`, and
//! `cargo xtask api-schema` (the schema-driven API test alone; `test` runs it too), and
//! `cargo xtask fuzz` (cargo-fuzz targets in `fuzz/`, bounded in time; not part of `test`).
//!
//! Each task installs what it is missing (the wasm32 target, the wasm-bindgen CLI of the
//! version Cargo.lock pins, the pinned nightly for the shipped widget, Chromium and its
//! driver) so a fresh machine needs nothing but Rust, and a prepared one loses no time.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use anyhow::{Context, Result, bail};

mod imports;
mod postgres;
mod ship;
mod size;
mod toolchain;

const WASM_TARGET: &str = "wasm32-unknown-unknown";
const USAGE: &str = "usage: cargo xtask <demo [proxy flags…] | test | api-schema | lint | widget | size | bench-widget>";

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let task = args.next().unwrap_or_default();
    let rest: Vec<String> = args.collect();
    let outcome = match task.as_str() {
        "demo" => demo(&rest),
        "test" => test(),
        "lint" => lint(),
        "widget" => build_widget().map(|_| ()),
        "bench-widget" => bench_widget(),
        "size" => build_shipped_widget().and_then(|_| size_report()),
        "fuzz" => fuzz(rest.first().map(String::as_str)),
        "api-schema" => {
            let mut tally = Tally::default();
            api_schema(&mut tally).and_then(|ok| {
                println!("tests: {} passed, {} failed", tally.passed, tally.failed);
                if ok {
                    Ok(())
                } else {
                    bail!("the schema-driven API test failed")
                }
            })
        }
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn cargo() -> Command {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command.current_dir(root());
    command
}

fn run(command: &mut Command) -> Result<()> {
    let status = command
        .status()
        .with_context(|| format!("cannot start {command:?}"))?;
    if !status.success() {
        bail!("{command:?} failed ({status})");
    }
    Ok(())
}

fn say(message: &str) {
    eprintln!("\x1b[1mxtask:\x1b[0m {message}");
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|dir| {
            if dir.is_absolute() {
                dir
            } else {
                root().join(dir)
            }
        })
        .unwrap_or_else(|| root().join("target"))
}

// ---------------------------------------------------------------------------------------
// Tools

fn ensure_wasm_target() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .output()
        .context("rustup is needed to add the wasm32 target")?;
    if !String::from_utf8_lossy(&installed.stdout).contains(WASM_TARGET) {
        say("adding the wasm32-unknown-unknown target");
        run(Command::new("rustup").args(["target", "add", WASM_TARGET]))?;
    }
    Ok(())
}

fn locked_version(package: &str) -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).context("reading Cargo.lock")?;
    let marker = format!("name = \"{package}\"\nversion = \"");
    let start = lock
        .find(&marker)
        .with_context(|| format!("{package} is not in Cargo.lock"))?
        + marker.len();
    let version = lock[start..].split('"').next().unwrap_or_default();
    Ok(version.to_owned())
}

fn tool_version(program: &Path) -> Option<String> {
    let output = Command::new(program).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.split_whitespace().nth(1).map(str::to_owned)
}

/// The wasm-bindgen CLI must match the library version exactly, or the generated glue and
/// the wasm disagree. One already on PATH is used when it matches; otherwise the exact
/// version is installed into `.tools/` (without `--locked`: its lockfile asks for a crate
/// version the registry mirror here lacks).
fn ensure_wasm_bindgen() -> Result<PathBuf> {
    let wanted = locked_version("wasm-bindgen")?;
    let local = root().join(".tools");
    let local_bin = local.join("bin");
    let candidates = [
        local_bin.join("wasm-bindgen"),
        PathBuf::from("wasm-bindgen"),
        home_cargo_bin("wasm-bindgen"),
    ];
    for candidate in candidates {
        if tool_version(&candidate).as_deref() == Some(wanted.as_str()) {
            let directory = resolve_dir(&candidate);
            return Ok(directory);
        }
    }
    say(&format!(
        "installing wasm-bindgen-cli {wanted} into .tools/ (about 2 minutes, once)"
    ));
    run(cargo()
        .args([
            "install",
            "wasm-bindgen-cli",
            "--version",
            &format!("={wanted}"),
            "--root",
        ])
        .arg(&local))?;
    Ok(local_bin)
}

fn home_cargo_bin(program: &str) -> PathBuf {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_default();
    home.join("bin").join(program)
}

/// The folder holding a program given either as a path or as a bare name on PATH.
fn resolve_dir(program: &Path) -> PathBuf {
    if program.is_absolute() {
        return program.parent().map(Path::to_path_buf).unwrap_or_default();
    }
    std::env::var_os("PATH")
        .map(|path| std::env::split_paths(&path).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .find(|dir| dir.join(program).is_file())
        .unwrap_or_default()
}

/// Debian's Chromium and ChromeDriver: the only browser this machine's registries offer,
/// and the one the browser and end-to-end tests drive.
fn ensure_chromium() -> Result<PathBuf> {
    let driver = PathBuf::from("/usr/bin/chromedriver");
    if driver.is_file() && Path::new("/usr/bin/chromium").is_file() {
        return Ok(driver);
    }
    say("installing Debian's chromium and chromium-driver");
    let apt = |args: &[&str]| {
        let mut command = if is_root() {
            Command::new("apt-get")
        } else {
            let mut sudo = Command::new("sudo");
            sudo.arg("apt-get");
            sudo
        };
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        run(&mut command)
    };
    apt(&["update", "-qq"])?;
    let install = ["install", "-y", "-qq", "chromium", "chromium-driver"];
    // The first attempt sometimes fails inside dpkg; a second one completes it.
    if apt(&install).is_err() {
        apt(&install)?;
    }
    Ok(driver)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|output| output.stdout.trim_ascii() == b"0")
        .unwrap_or(false)
}

fn with_tools_on_path(command: &mut Command, tool_dir: &Path) {
    let mut paths = vec![tool_dir.to_path_buf()];
    if let Some(existing) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&existing));
    }
    if let Ok(joined) = std::env::join_paths(paths) {
        command.env("PATH", joined);
    }
}

// ---------------------------------------------------------------------------------------
// Tasks

/// Builds the widget into `pkg/` (ES module + wasm + TypeScript types).
fn build_widget() -> Result<PathBuf> {
    ensure_wasm_target()?;
    let tools = ensure_wasm_bindgen()?;
    say("building the widget (wasm32, size-optimised)");
    run(cargo()
        .args([
            "build",
            "--lib",
            "--target",
            WASM_TARGET,
            "--profile",
            "wasm",
        ])
        .env("RUSTFLAGS", widget_rustflags()))?;
    let wasm = target_dir()
        .join(WASM_TARGET)
        .join("wasm")
        .join("bgcheck.wasm");
    let pkg = root().join("pkg");
    ship::fresh_dir(&pkg)?;
    run(Command::new(tools.join("wasm-bindgen"))
        .args(["--target", "web", "--out-name", "bgcheck", "--out-dir"])
        .arg(&pkg)
        .arg(&wasm))?;
    ship::write_dev_loader(&pkg)?;
    say(&format!("widget written to {}", pkg.display()));
    Ok(pkg)
}

/// The widget as host pages download it (see `ship`): two bundles on the size-tuned nightly,
/// shrunk by wasm-opt and terser, content-hashed and pre-compressed, behind `pkg/embed.js`.
fn build_shipped_widget() -> Result<PathBuf> {
    ensure_wasm_target()?;
    let tools = ensure_wasm_bindgen()?;
    let toolchain = toolchain::Toolchain::for_shipped_widget();
    ship::build(&tools, toolchain)
}

/// RUSTFLAGS for the widget build: the caller's own, plus shorter source paths. Panic
/// locations keep the path of every crate they come from, and the registry's absolute paths
/// are most of those bytes.
fn widget_rustflags() -> String {
    let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
    let registry = home_cargo_bin("")
        .parent()
        .map(|home| home.join("registry").join("src"))
        .unwrap_or_default();
    let mut prefixes = vec![(root(), "bgcheck".to_owned())];
    if let Ok(indexes) = std::fs::read_dir(&registry) {
        for index in indexes.flatten() {
            prefixes.push((index.path(), "crates".to_owned()));
        }
    }
    for (from, to) in prefixes {
        if !flags.is_empty() {
            flags.push(' ');
        }
        flags.push_str("--remap-path-prefix=");
        flags.push_str(&from.display().to_string());
        flags.push('=');
        flags.push_str(&to);
    }
    flags
}

fn demo(proxy_args: &[String]) -> Result<()> {
    build_shipped_widget()?;
    say("starting the proxy with its embedded sandbox (Ctrl-C stops it)");
    run(cargo()
        .args(["run", "--release", "--bin", "bgcheck", "--", "--sandbox"])
        .args(proxy_args))
}

/// Runs a test command, echoing its output and adding up cargo's `test result:` lines.
fn counted(command: &mut Command, tally: &mut Tally) -> Result<bool> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot start {command:?}"))?;
    let stdout = child.stdout.take().context("no stdout")?;
    let mut out = std::io::stdout().lock();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        writeln!(out, "{line}")?;
        tally.read(&line);
    }
    drop(out);
    Ok(child.wait()?.success())
}

#[derive(Default)]
struct Tally {
    passed: u64,
    failed: u64,
}

impl Tally {
    /// Reads cargo's `test result:` lines and the `# pass N` / `# fail N` lines of node's
    /// TAP reporter.
    fn read(&mut self, line: &str) {
        let line = line.trim();
        let tap_count = |prefix: &str| {
            line.strip_prefix(prefix)
                .and_then(|n| n.trim().parse::<u64>().ok())
        };
        if let Some(count) = tap_count("# pass ") {
            self.passed += count;
            return;
        }
        if let Some(count) = tap_count("# fail ") {
            self.failed += count;
            return;
        }
        let Some(summary) = line.strip_prefix("test result: ") else {
            return;
        };
        for part in summary.split(['.', ';']) {
            let mut words = part.split_whitespace();
            if let (Some(count), Some(kind)) = (words.next(), words.next()) {
                let count: u64 = count.parse().unwrap_or(0);
                match kind {
                    "passed" => self.passed += count,
                    "failed" => self.failed += count,
                    _ => {}
                }
            }
        }
    }
}

/// The integration suites whose proxies keep state: `cargo xtask test` runs them on SQLite and
/// again on PostgreSQL (`BGCHECK_TEST_STORE=postgres`, see tests/support).
const POSTGRES_SUITES: [&str; 17] = [
    "accounts",
    "assess",
    "ats_webhooks",
    "checkr_realism",
    "continuous",
    "karmacheck",
    "live",
    "logging",
    "manage",
    "placement",
    "progress",
    "proxy",
    "roles",
    "screenings",
    "security",
    "subscriptions",
    "webhook_batches",
];

fn test() -> Result<()> {
    ensure_wasm_target()?;
    let tools = ensure_wasm_bindgen()?;
    let driver = ensure_chromium()?;
    // The end-to-end tests load the widget the demo serves, optimised as it ships.
    build_shipped_widget()?;
    let mut tally = Tally::default();
    let mut all_ok = true;

    say("starting a throwaway PostgreSQL cluster");
    let cluster = postgres::Cluster::start()?;
    say("native tests");
    all_ok &= counted(
        cargo()
            .args(["test", "--workspace", "--tests"])
            .env("BGCHECK_TEST_POSTGRES", &cluster.url),
        &mut tally,
    )?;
    say("the persistence suites again, each proxy on a fresh PostgreSQL database");
    let mut on_postgres = cargo();
    on_postgres.arg("test");
    for suite in POSTGRES_SUITES {
        on_postgres.args(["--test", suite]);
    }
    all_ok &= counted(
        on_postgres
            .env("BGCHECK_TEST_POSTGRES", &cluster.url)
            .env("BGCHECK_TEST_STORE", "postgres"),
        &mut tally,
    )?;
    drop(cluster);

    say("browser tests (headless Chromium)");
    // Each run leaves a Chromium profile in TMPDIR; keep those out of the system's /tmp.
    let scratch = target_dir().join("browser-tmp");
    std::fs::create_dir_all(&scratch)?;
    let mut browser = cargo();
    browser
        .args([
            "test",
            "--target",
            WASM_TARGET,
            "--test",
            "web",
            "--test",
            "widget",
        ])
        .env("CHROMEDRIVER", &driver)
        .env("TMPDIR", &scratch)
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER",
            tools.join("wasm-bindgen-test-runner"),
        );
    with_tools_on_path(&mut browser, &tools);
    all_ok &= counted(&mut browser, &mut tally)?;

    all_ok &= end_to_end(&mut tally)?;

    all_ok &= api_schema(&mut tally)?;

    println!("tests: {} passed, {} failed", tally.passed, tally.failed);
    if !all_ok || tally.failed > 0 {
        bail!("some tests failed or did not build");
    }
    Ok(())
}

/// The end-to-end specs: Playwright (from npm, driving Debian's Chromium) against the real
/// `bgcheck` binary with its sandbox, on a free loopback port and a fresh data dir.
fn end_to_end(tally: &mut Tally) -> Result<bool> {
    let e2e = root().join("e2e");
    ensure_playwright(&e2e)?;
    let (mut proxy, url) = start_proxy("e2e")?;
    let outcome = match url {
        Some(url) => {
            let mut specs: Vec<PathBuf> = std::fs::read_dir(e2e.join("tests"))?
                .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
                .collect();
            specs.sort();
            say(&format!(
                "end-to-end tests (Playwright + Chromium) against {url}"
            ));
            counted(
                Command::new("node")
                    .args(["--test", "--test-concurrency=1", "--test-reporter=tap"])
                    .args(&specs)
                    .current_dir(&e2e)
                    .env("BGCHECK_URL", &url),
                tally,
            )
        }
        None => Err(anyhow::anyhow!(
            "the proxy did not start; see {}",
            target_dir().join("e2e-proxy.log").display()
        )),
    };
    let _ = proxy.kill();
    let _ = proxy.wait();
    outcome
}

/// Builds and starts the real `bgcheck` binary with its sandbox on a free loopback port and a
/// fresh data dir named after `purpose`; returns the process and the URL it printed.
fn start_proxy(purpose: &str) -> Result<(std::process::Child, Option<String>)> {
    say("building the proxy");
    run(cargo().args(["build", "--bin", "bgcheck"]))?;
    // Outside the package folder, which the proxy serves files from and refuses to keep
    // its data in.
    let data = proxy_data_dir(purpose);
    if data.exists() {
        std::fs::remove_dir_all(&data)?;
    }
    let log = std::fs::File::create(target_dir().join(format!("{purpose}-proxy.log")))?;
    let mut proxy = Command::new(target_dir().join("debug").join("bgcheck"))
        .args([
            "--sandbox",
            "--listen",
            "127.0.0.1:0",
            "--sandbox-credential-delay",
            "8",
            "--data-dir",
        ])
        .arg(&data)
        .stdout(Stdio::piped())
        .stderr(log)
        .spawn()
        .context("starting the proxy")?;
    let stdout = proxy.stdout.take().context("no proxy stdout")?;
    let url = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .find_map(|line| {
            line.split("open ")
                .nth(1)
                .map(|url| url.trim().trim_end_matches('/').to_owned())
        });
    Ok((proxy, url))
}

/// The npm packages the end-to-end specs import (pinned in e2e/package.json).
const E2E_PACKAGES: [&str; 2] = ["playwright-core", "axe-core"];

fn proxy_data_dir(purpose: &str) -> PathBuf {
    std::env::temp_dir().join(format!("bgcheck-{purpose}-{}", std::process::id()))
}

/// The schemathesis version the API test installs (PyPI, into a venv under `.tools/`).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// A Python venv under `.tools/` with schemathesis; returns its `bin` folder.
fn ensure_schemathesis() -> Result<PathBuf> {
    let venv = root().join(".tools").join("schemathesis");
    let bin = venv.join("bin");
    if !bin.join("schemathesis").is_file() {
        say(&format!(
            "installing {SCHEMATHESIS} into {}",
            venv.display()
        ));
        run(Command::new("python3").arg("-m").arg("venv").arg(&venv))?;
        run(Command::new(bin.join("pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            SCHEMATHESIS,
        ]))?;
    }
    Ok(bin)
}

/// A widget session from the demo's `/demo/session`, through the venv's Python (no HTTP
/// client in this crate).
fn demo_token(python: &Path, url: &str, account: &str, role: &str) -> Result<String> {
    let output = Command::new(python)
        .args([
            "-c",
            "import json, sys, urllib.request\n\
             request = urllib.request.Request(sys.argv[1], data=b'', method='POST')\n\
             print(json.load(urllib.request.urlopen(request))['token'])",
            &format!("{url}/demo/session?account={account}&role={role}"),
        ])
        .output()
        .context("asking the demo for a session")?;
    if !output.status.success() {
        bail!(
            "no demo session for {account}/{role}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8(output.stdout)?.trim().to_owned())
}

/// The schema-driven API test: schemathesis generates a few hundred requests from the served
/// `/api/openapi.json` against the real binary with its sandbox (settings in
/// `tests/api/schemathesis.toml`) and fails on any 5xx or any answer the schema does not
/// allow. Each operation counts as one test.
fn api_schema(tally: &mut Tally) -> Result<bool> {
    let outcome = ensure_schemathesis().and_then(|bin| {
        let (mut proxy, url) = start_proxy("api-schema")?;
        let outcome = match url {
            Some(url) => run_schemathesis(&bin, &url, tally),
            None => Err(anyhow::anyhow!(
                "the proxy did not start; see {}",
                target_dir().join("api-schema-proxy.log").display()
            )),
        };
        let _ = proxy.kill();
        let _ = proxy.wait();
        let _ = std::fs::remove_dir_all(proxy_data_dir("api-schema"));
        outcome
    });
    // A test that could not run is a failed test, and the other suites' counts still print.
    outcome.or_else(|error| {
        eprintln!("api schema: could not run: {error:#}");
        tally.failed += 1;
        Ok(false)
    })
}

fn run_schemathesis(bin: &Path, url: &str, tally: &mut Tally) -> Result<bool> {
    let python = bin.join("python");
    let secret = std::fs::read_to_string(proxy_data_dir("api-schema").join("session.secret"))?;
    let report = target_dir().join("api-schema.xml");
    let _ = std::fs::remove_file(&report);
    say(&format!(
        "schema-driven API test (schemathesis) against {url}"
    ));
    let status = Command::new(bin.join("schemathesis"))
        // Its local cache goes with the other build output.
        .current_dir(target_dir())
        .arg("--config-file")
        .arg(root().join("tests").join("api").join("schemathesis.toml"))
        .args(["run", &format!("{url}/api/openapi.json"), "--no-color"])
        .args(["--report", "junit", "--report-junit-path"])
        .arg(&report)
        .env(
            "BGCHECK_RECRUITER_TOKEN",
            demo_token(&python, url, "blue-bakery", "recruiter")?,
        )
        .env(
            "BGCHECK_ADMIN_TOKEN",
            demo_token(&python, url, "blue-bakery", "admin")?,
        )
        .env(
            "BGCHECK_OTHER_ADMIN_TOKEN",
            demo_token(&python, url, "corner-cafe", "admin")?,
        )
        .env("BGCHECK_SESSION_SECRET", secret.trim())
        .status()
        .context("starting schemathesis")?;
    // One test per operation (and one for the stateful phase), as the JUnit report lists them.
    let xml = std::fs::read_to_string(&report).unwrap_or_default();
    let cases = xml.matches("<testcase ").count() as u64;
    let failed = xml
        .split("<testcase ")
        .skip(1)
        .filter(|case| case.contains("<failure") || case.contains("<error"))
        .count() as u64;
    tally.passed += cases - failed;
    tally.failed += failed;
    if cases == 0 {
        tally.failed += 1;
    }
    println!(
        "api schema: {} operations passed, {failed} failed",
        cases - failed
    );
    Ok(status.success() && cases > 0)
}

/// The nightly cargo-fuzz builds with (sanitizer coverage needs one).
const FUZZ_TOOLCHAIN: &str = "nightly-2026-10-29";
/// The fuzz targets in `fuzz/fuzz_targets/`.
const FUZZ_TARGETS: [&str; 3] = ["webhook_event", "fold", "order_draft"];

/// `cargo` through rustup with the fuzzing toolchain, whatever toolchain runs this task.
fn nightly_cargo() -> Command {
    let mut command = Command::new("cargo");
    command
        .current_dir(root())
        .env("RUSTUP_TOOLCHAIN", FUZZ_TOOLCHAIN)
        .env_remove("RUSTC")
        .env_remove("RUSTDOC");
    command
}

fn ensure_cargo_fuzz() -> Result<()> {
    let installed = Command::new("rustup")
        .args(["toolchain", "list"])
        .output()
        .context("rustup is needed for the fuzzing toolchain")?;
    if !String::from_utf8_lossy(&installed.stdout).contains(FUZZ_TOOLCHAIN) {
        say(&format!("installing the {FUZZ_TOOLCHAIN} toolchain"));
        run(Command::new("rustup").args([
            "toolchain",
            "install",
            FUZZ_TOOLCHAIN,
            "--profile",
            "minimal",
        ]))?;
    }
    let has_fuzz = nightly_cargo()
        .args(["fuzz", "--version"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success());
    if !has_fuzz {
        say("installing cargo-fuzz");
        run(cargo().args(["install", "cargo-fuzz"]))?;
    }
    Ok(())
}

/// Runs every fuzz target for `seconds` (default 60) from a seed corpus written from the
/// test vectors, and reports what each found; a crash's input is kept in
/// `fuzz/artifacts/<target>/`.
fn fuzz(seconds: Option<&str>) -> Result<()> {
    let seconds: u64 = seconds
        .map_or(Ok(60), str::parse)
        .context("seconds per target")?;
    ensure_cargo_fuzz()?;
    let fuzz_dir = root().join("fuzz");
    let corpus = fuzz_dir.join("corpus");
    say("writing the seed corpus from tests/vectors/");
    run(nightly_cargo()
        .args(["run", "--quiet", "--manifest-path"])
        .arg(fuzz_dir.join("Cargo.toml"))
        .args(["--bin", "seed_corpus", "--"])
        .arg(&corpus))?;
    let mut findings = Vec::new();
    for target in FUZZ_TARGETS {
        say(&format!("fuzzing {target} for {seconds} s"));
        let started = std::time::Instant::now();
        let status = nightly_cargo()
            .args(["fuzz", "run", "--fuzz-dir"])
            .arg(&fuzz_dir)
            .arg(target)
            .arg(corpus.join(target))
            .args([
                "--",
                &format!("-max_total_time={seconds}"),
                "-max_len=65536",
            ])
            .status()
            .context("starting cargo fuzz")?;
        let inputs = std::fs::read_dir(corpus.join(target))?.count();
        findings.push((
            target,
            started.elapsed().as_secs(),
            inputs,
            status.success(),
        ));
    }
    for (target, elapsed, inputs, clean) in &findings {
        println!(
            "fuzz {target:<14} {elapsed:>5} s  corpus {inputs:>6} inputs  {}",
            if *clean {
                "nothing found"
            } else {
                "CRASH: see fuzz/artifacts/"
            }
        );
    }
    if findings.iter().any(|(_, _, _, clean)| !clean) {
        bail!("a fuzz target crashed");
    }
    Ok(())
}

fn ensure_playwright(e2e: &Path) -> Result<()> {
    let modules = e2e.join("node_modules");
    if E2E_PACKAGES
        .iter()
        .any(|package| !modules.join(package).is_dir())
    {
        say("installing the end-to-end packages (playwright-core, axe-core)");
        run(Command::new("npm")
            .args(["install", "--no-audit", "--no-fund"])
            .current_dir(e2e))?;
    }
    Ok(())
}

/// Prints the time from script start to an interactive order form (www/bench.html).
fn bench_widget() -> Result<()> {
    ensure_chromium()?;
    // Time what ships: the optimised build.
    build_shipped_widget()?;
    let e2e = root().join("e2e");
    ensure_playwright(&e2e)?;
    let (mut proxy, url) = start_proxy("e2e")?;
    let outcome = match url {
        Some(url) => run(Command::new("node")
            .arg("bench.mjs")
            .current_dir(&e2e)
            .env("BGCHECK_URL", &url))
        .and_then(|()| {
            run(Command::new("node")
                .arg("bench-badges.mjs")
                .current_dir(&e2e)
                .env("BGCHECK_URL", &url))
        }),
        None => Err(anyhow::anyhow!(
            "the proxy did not start; see target/e2e-proxy.log"
        )),
    };
    let _ = proxy.kill();
    let _ = proxy.wait();
    outcome
}

fn lint() -> Result<()> {
    ensure_wasm_target()?;
    say("clippy, native");
    run(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    say("clippy, wasm32 (the widget and the browser tests)");
    run(cargo().args([
        "clippy",
        "--lib",
        "--test",
        "web",
        "--test",
        "widget",
        "--target",
        WASM_TARGET,
        "--",
        "-D",
        "warnings",
    ]))?;
    // The smaller bundles leave parts out; they must build warning-free too.
    for bundle in ship::BUNDLES.iter().filter(|bundle| bundle.kind != "full") {
        say(&format!("clippy, wasm32, the {} bundle", bundle.kind));
        run(cargo().args([
            "clippy",
            "--lib",
            "--no-default-features",
            "--features",
            bundle.features,
            "--target",
            WASM_TARGET,
            "--",
            "-D",
            "warnings",
        ]))?;
    }
    say("rustfmt");
    run(cargo().args(["fmt", "--all", "--check"]))
}

// ---------------------------------------------------------------------------------------
// Size report

/// The npm package whose wasm-opt understands wasm-bindgen's output; Debian's older
/// binaryen rewrites the externref table export and the page then fails to start.
const BINARYEN: &str = "binaryen@132";

/// The npm package that minifies the JavaScript glue.
const TERSER: &str = "terser@5";

/// wasm-opt from `.tools/node_modules`, installed with npm on first use.
fn ensure_wasm_opt() -> Result<PathBuf> {
    ensure_npm_tool(BINARYEN, "wasm-opt")
}

/// terser from `.tools/node_modules`, installed with npm on first use.
fn ensure_terser() -> Result<PathBuf> {
    ensure_npm_tool(TERSER, "terser")
}

/// `program` from `.tools/node_modules/.bin`, installing `package` with npm when it is missing.
fn ensure_npm_tool(package: &str, program: &str) -> Result<PathBuf> {
    let tools = root().join(".tools");
    let path = tools.join("node_modules").join(".bin").join(program);
    if path.is_file() {
        return Ok(path);
    }
    say(&format!(
        "installing {package} into .tools/ with npm (once)"
    ));
    std::fs::create_dir_all(&tools)?;
    run(Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&tools)
        .arg(package))?;
    Ok(path)
}

/// Minifies the glue in place. Only local names are shortened: the exports the host page
/// imports and the import object's keys the wasm links against keep their names.
fn minify_glue(pkg: &Path) -> Result<()> {
    let terser = ensure_terser()?;
    let glue = pkg.join("bgcheck.js");
    let minified = pkg.join("bgcheck.min.js");
    say("terser (JavaScript glue)");
    run(Command::new(terser)
        .arg(&glue)
        .args(["--module", "--compress", "--mangle", "--output"])
        .arg(&minified))?;
    std::fs::rename(&minified, &glue)?;
    Ok(())
}

/// Shrinks the bindgen output in place with `wasm-opt -Oz` (after bindgen, as it must be),
/// repeated until it stops shrinking, then minifies the glue. `--low-memory-unused` tells it the first kilobyte of
/// linear memory is never addressed (Rust's data and stack start at 1 MiB), which lets it
/// fold constant offsets into loads and stores.
fn optimise_wasm(pkg: &Path) -> Result<()> {
    let wasm_opt = ensure_wasm_opt()?;
    let wasm = pkg.join("bgcheck_bg.wasm");
    let optimised = pkg.join("bgcheck_bg.opt.wasm");
    say("wasm-opt -Oz --converge");
    run(Command::new(wasm_opt)
        .args(["-Oz", "--converge", "--low-memory-unused"])
        // Inlining a big function into its only caller saves a call but leaves huge bodies
        // with many locals, which gzip far worse than the separate functions (~17 KB).
        .arg("--one-caller-inline-max-function-size=12")
        // Sorting by (still present) symbol names puts a generic's copies side by side,
        // inside gzip's window (~2.5 KB). It runs before the names are stripped.
        .arg("--reorder-functions-by-name")
        .args(["--strip-debug", "--strip-producers"])
        .arg("--strip-target-features")
        .args(["--enable-bulk-memory", "--enable-reference-types"])
        .args(["--enable-nontrapping-float-to-int", "--enable-sign-ext"])
        .args(["--enable-mutable-globals", "--enable-multivalue"])
        .arg(&wasm)
        .arg("-o")
        .arg(&optimised))?;
    std::fs::rename(&optimised, &wasm)?;
    say("short import names");
    imports::shorten(&wasm, &pkg.join("bgcheck.js"), "./bgcheck_bg.js")?;
    minify_glue(pkg)
}

fn size_report() -> Result<()> {
    size::report(&root().join("pkg"))
}
