//! The toolchain the shipped widget is built with: a pinned nightly that rebuilds the
//! standard library for size, or stable when that nightly cannot be had. Only the shipped
//! widget uses it; tests, clippy and the quick `cargo xtask widget` stay on stable.

use std::process::Command;

use crate::{WASM_TARGET, say, widget_rustflags};

/// The pinned nightly for the size-tuned widget (the fuzzing one, so one download serves both).
pub const SIZE_TOOLCHAIN: &str = crate::FUZZ_TOOLCHAIN;

/// Set to build the shipped widget on stable even when the nightly is there.
const STABLE_OVERRIDE: &str = "BGCHECK_WIDGET_STABLE";

/// How the shipped widget is compiled.
pub enum Toolchain {
    /// The pinned nightly, with the standard library rebuilt to abort without messages.
    SizeTuned,
    /// The caller's stable toolchain (why is printed when it is chosen).
    Stable,
}

impl Toolchain {
    /// The pinned nightly with `rust-src` and the wasm32 target, installed when missing; stable,
    /// with a printed reason, when it cannot be installed or `BGCHECK_WIDGET_STABLE` is set.
    pub fn for_shipped_widget() -> Self {
        if std::env::var_os(STABLE_OVERRIDE).is_some() {
            return Self::stable(format!("{STABLE_OVERRIDE} is set"));
        }
        match ensure_nightly() {
            Ok(()) => Self::SizeTuned,
            Err(reason) => Self::stable(reason),
        }
    }

    fn stable(reason: String) -> Self {
        say(&format!(
            "building the shipped widget on stable, not the size-tuned {SIZE_TOOLCHAIN}: {reason} \
             (about 12% more bytes)"
        ));
        Self::Stable
    }

    /// A few words for the build log.
    pub fn describe(&self) -> String {
        match self {
            Self::SizeTuned => format!("{SIZE_TOOLCHAIN}, size-tuned std"),
            Self::Stable => "stable".to_owned(),
        }
    }

    /// `cargo` of this toolchain with the widget's flags, ready for `build` arguments.
    pub fn cargo(&self) -> Command {
        let mut flags = widget_rustflags();
        let mut command = match self {
            Self::SizeTuned => crate::nightly_cargo(),
            Self::Stable => crate::cargo(),
        };
        if let Self::SizeTuned = self {
            command
                // A panic becomes a bare trap: no message formatting, no unwinding tables.
                .args(["-Zbuild-std=std,panic_abort", "-Zpanic-immediate-abort"])
                .args(["-Zbuild-std-features=optimize_for_size"])
                .args(["--config", "profile.wasm.panic=\"immediate-abort\""]);
            // `{:?}` prints nothing and panics carry no file and line: the widget's
            // user-facing messages use Display only (see src/domain/time.rs).
            flags.push_str(" -Zfmt-debug=none -Zlocation-detail=none");
        }
        command.env("RUSTFLAGS", flags.trim());
        command
    }
}

/// Installs the pinned nightly with what a wasm build-std needs; the error says why not.
fn ensure_nightly() -> Result<(), String> {
    let rustup = |args: &[&str]| {
        Command::new("rustup")
            .args(args)
            .output()
            .map_err(|error| format!("rustup cannot run ({error})"))
    };
    let listed = |kind: &str, what: &str| {
        let toolchain = format!("+{SIZE_TOOLCHAIN}");
        rustup(&[toolchain.as_str(), kind, "list", "--installed"]).is_ok_and(|output| {
            output.status.success() && String::from_utf8_lossy(&output.stdout).contains(what)
        })
    };
    let ready = listed("component", "rust-src") && listed("target", WASM_TARGET);
    if ready {
        return Ok(());
    }
    say(&format!(
        "installing {SIZE_TOOLCHAIN} with rust-src and the wasm32 target (once)"
    ));
    let installed = rustup(&[
        "toolchain",
        "install",
        SIZE_TOOLCHAIN,
        "--profile",
        "minimal",
        "-c",
        "rust-src",
        "-t",
        WASM_TARGET,
    ])?;
    if installed.status.success() {
        Ok(())
    } else {
        Err(format!(
            "rustup could not install it: {}",
            String::from_utf8_lossy(&installed.stderr).trim()
        ))
    }
}
