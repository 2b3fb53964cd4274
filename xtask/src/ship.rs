//! The widget as hosts get it: three bundles (the full widget; one without the order form for
//! status lists; one with only the badge), each built, shrunk and renamed after its content, the
//! loader `pkg/embed.js` that picks between them, a brotli and a gzip (zopfli) twin beside
//! every file, and the Subresource Integrity hashes hosts pin.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use base64::Engine;
use sha2::{Digest, Sha256, Sha384};

use crate::toolchain::Toolchain;
use crate::{WASM_TARGET, optimise_wasm, root, run, say, target_dir};

/// One wasm build of the widget.
pub struct Bundle {
    /// File name stem in `pkg/`.
    pub name: &'static str,
    /// The loader's name for it.
    pub kind: &'static str,
    /// The crate features it is built with (never the default ones).
    pub features: &'static str,
}

/// What the shipped build makes.
pub const BUNDLES: [Bundle; 3] = [
    Bundle {
        name: "bgcheck",
        kind: "full",
        features: "order-form",
    },
    Bundle {
        name: "bgcheck-status",
        kind: "status",
        features: "status-view",
    },
    Bundle {
        name: "bgcheck-badge",
        kind: "badge",
        features: "",
    },
];

/// A file of the shipped widget, as written into `pkg/`.
pub struct Shipped {
    /// Its name in `pkg/`.
    pub name: String,
    /// `sha384-…`, for `integrity` attributes.
    pub integrity: String,
}

/// The loader's source; `/*BUNDLES*/ null` and `/*ATTRIBUTES*/ []` are filled in.
const LOADER: &str = include_str!("loader.js");

/// Builds both bundles with `toolchain`, writes them and the loader into `pkg/` (emptied
/// first, so no stale hashed file lingers) with their compressed twins, and prints the
/// integrity hashes.
pub fn build(wasm_bindgen: &Path, toolchain: Toolchain) -> Result<PathBuf> {
    let staging = target_dir().join("ship");
    let staged = match stage(wasm_bindgen, &toolchain, &staging) {
        Ok(staged) => staged,
        Err(error) if matches!(toolchain, Toolchain::SizeTuned) => {
            // A nightly that no longer takes these flags must not stop a release or CI.
            say(&format!(
                "the size-tuned build failed ({error:#}); building on stable instead"
            ));
            stage(wasm_bindgen, &Toolchain::Stable, &staging)?
        }
        Err(error) => return Err(error),
    };
    let pkg = root().join("pkg");
    fresh_dir(&pkg)?;
    let mut shipped = Vec::new();
    let mut entries = Vec::new();
    for (bundle, dir) in &staged {
        let bundle = *bundle;
        let mut glue = std::fs::read_to_string(dir.join("bgcheck.js"))?;
        let mut preload = Vec::new();
        for (path, snippet) in snippets(dir)? {
            let name = hashed_name("bgcheck-snippet", "js", &snippet);
            let relative = path.strip_prefix(dir)?.to_string_lossy().replace('\\', "/");
            let import = format!("./{relative}");
            if !glue.contains(&import) {
                bail!("the glue of {} never imports {import}", bundle.name);
            }
            glue = glue.replace(&import, &format!("./{name}"));
            preload.push(format!("\"./{name}\""));
            // Both bundles carry the same snippets: one file serves both.
            if !shipped.iter().any(|file: &Shipped| file.name == name) {
                shipped.push(write_shipped(&pkg, &name, &snippet)?);
            }
        }
        let wasm_bytes = std::fs::read(dir.join("bgcheck_bg.wasm"))?;
        let wasm = write_shipped(
            &pkg,
            &hashed_name(bundle.name, "wasm", &wasm_bytes),
            &wasm_bytes,
        )?;
        // The glue's fallback URL (unused: the loader hands it the fetched wasm) must not
        // name a file that does not exist.
        glue = glue.replace("bgcheck_bg.wasm", &wasm.name);
        let glue_name = hashed_name(bundle.name, "js", glue.as_bytes());
        let glue_file = write_shipped(&pkg, &glue_name, glue.as_bytes())?;
        entries.push(format!(
            "{}: {{ glue: \"./{}\", wasm: \"./{}\", integrity: \"{}\", preload: [{}] }}",
            bundle.kind,
            glue_file.name,
            wasm.name,
            wasm.integrity,
            preload.join(", ")
        ));
        shipped.push(glue_file);
        shipped.push(wasm);
    }
    // The types describe the full bundle's exports, which the loader re-exports in part.
    if let Some((_, full)) = staged.iter().find(|(bundle, _)| bundle.kind == "full") {
        std::fs::copy(full.join("bgcheck.d.ts"), pkg.join("bgcheck.d.ts"))?;
    }
    let loader = minified(&staging, &loader(&entries.join(", "))?)?;
    let loader = write_shipped(&pkg, "embed.js", loader.as_bytes())?;
    println!("Subresource Integrity (sha384) of the shipped files:");
    println!("  {:<44} {}", loader.name, loader.integrity);
    for file in &shipped {
        println!("  {:<44} {}", file.name, file.integrity);
    }
    println!(
        "host tag: <script type=\"module\" src=\"/pkg/embed.js\" integrity=\"{}\"></script>",
        loader.integrity
    );
    Ok(pkg)
}

/// Each bundle compiled, bound and optimised in its own folder under `staging`.
fn stage(
    wasm_bindgen: &Path,
    toolchain: &Toolchain,
    staging: &Path,
) -> Result<Vec<(&'static Bundle, PathBuf)>> {
    let mut staged = Vec::new();
    for bundle in &BUNDLES {
        let dir = staging.join(bundle.name);
        if dir.exists() {
            std::fs::remove_dir_all(&dir)?;
        }
        let wasm = compile(bundle, toolchain)?;
        run(
            std::process::Command::new(wasm_bindgen.join("wasm-bindgen"))
                .args(["--target", "web", "--out-name", "bgcheck", "--out-dir"])
                .arg(&dir)
                .arg(&wasm),
        )?;
        optimise_wasm(&dir)?;
        staged.push((bundle, dir));
    }
    Ok(staged)
}

/// The loader for the quick, unoptimised build: both kinds are the one full bundle that
/// `cargo xtask widget` wrote as `pkg/bgcheck.js`, with no integrity pinned.
pub fn write_dev_loader(pkg: &Path) -> Result<()> {
    let entry = |kind: &str| {
        format!(
            "{kind}: {{ glue: \"./bgcheck.js\", wasm: \"./bgcheck_bg.wasm\", integrity: \"\", preload: [] }}"
        )
    };
    let entries: Vec<String> = BUNDLES.iter().map(|bundle| entry(bundle.kind)).collect();
    let text = loader(&entries.join(", "))?;
    std::fs::write(pkg.join("embed.js"), text)?;
    Ok(())
}

/// `source` through terser, as the glue goes (the comments are for the loader's readers).
fn minified(staging: &Path, source: &str) -> Result<String> {
    let input = staging.join("embed.js");
    let output = staging.join("embed.min.js");
    std::fs::write(&input, source)?;
    run(std::process::Command::new(crate::ensure_terser()?)
        .arg(&input)
        .args(["--module", "--compress", "--mangle", "--output"])
        .arg(&output))?;
    Ok(std::fs::read_to_string(output)?)
}

/// Empties `dir` (or creates it).
pub fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        std::fs::remove_dir_all(dir).with_context(|| format!("emptying {}", dir.display()))?;
    }
    std::fs::create_dir_all(dir)?;
    Ok(())
}

fn loader(bundles: &str) -> Result<String> {
    let attributes = observed_attributes()?;
    let text = LOADER
        .replace("/*BUNDLES*/ null", &format!("{{ {bundles} }}"))
        .replace("/*ATTRIBUTES*/ []", &attributes);
    if text.contains("/*BUNDLES*/") || text.contains("/*ATTRIBUTES*/") {
        bail!("a placeholder of xtask/src/loader.js was left unfilled");
    }
    Ok(text)
}

/// The attribute list of `src/widget/host.rs`, so the loader's elements watch the same ones
/// the widget reads.
fn observed_attributes() -> Result<String> {
    let host = std::fs::read_to_string(root().join("src/widget/host.rs"))?;
    let start = host
        .find("pub const ATTRIBUTES")
        .context("src/widget/host.rs has no ATTRIBUTES")?;
    let list = &host[start..];
    let open = list.find("= [").context("ATTRIBUTES is not an array")? + 2;
    let close = list[open..].find(']').context("ATTRIBUTES is not closed")? + open;
    let names: Vec<&str> = list[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|name| !name.is_empty())
        .collect();
    Ok(format!("[{}]", names.join(", ")))
}

fn compile(bundle: &Bundle, toolchain: &Toolchain) -> Result<PathBuf> {
    say(&format!(
        "building the {} bundle ({})",
        bundle.kind,
        toolchain.describe()
    ));
    let mut command = toolchain.cargo();
    command.args([
        "build",
        "--lib",
        "--target",
        WASM_TARGET,
        "--profile",
        "wasm",
    ]);
    command.args(["--no-default-features", "--features", bundle.features]);
    run(&mut command)?;
    Ok(target_dir()
        .join(WASM_TARGET)
        .join("wasm")
        .join("bgcheck.wasm"))
}

/// The JavaScript snippets wasm-bindgen wrote under `dir/snippets`, with their bytes.
fn snippets(dir: &Path) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.join("snippets")];
    while let Some(folder) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&folder) else {
            continue;
        };
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|ext| ext == "js") {
                let bytes = std::fs::read(&path)?;
                found.push((path, bytes));
            }
        }
    }
    found.sort();
    Ok(found)
}

/// `stem.<16 hex digits of the SHA-256>.extension`: the form the proxy caches forever.
fn hashed_name(stem: &str, extension: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest[..8]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("{stem}.{hex}.{extension}")
}

fn integrity(bytes: &[u8]) -> String {
    let digest = Sha384::digest(bytes);
    format!(
        "sha384-{}",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}

/// Writes `bytes` as `pkg/name` with `name.br` (brotli 11) and `name.gz` (zopfli) beside it.
fn write_shipped(pkg: &Path, name: &str, bytes: &[u8]) -> Result<Shipped> {
    let path = pkg.join(name);
    std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
    std::fs::write(pkg.join(format!("{name}.br")), brotli(bytes)?)?;
    std::fs::write(pkg.join(format!("{name}.gz")), zopfli_gzip(bytes)?)?;
    Ok(Shipped {
        name: name.to_owned(),
        integrity: integrity(bytes),
    })
}

/// Brotli at its best (quality 11, the largest window).
pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    let params = brotli::enc::BrotliEncoderParams {
        quality: 11,
        lgwin: 24,
        ..Default::default()
    };
    brotli::BrotliCompress(&mut &bytes[..], &mut out, &params)?;
    Ok(out)
}

/// Plain gzip that any browser inflates, found by zopfli's slower, closer search.
pub fn zopfli_gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        bytes,
        &mut out,
    )?;
    out.flush()?;
    Ok(out)
}
