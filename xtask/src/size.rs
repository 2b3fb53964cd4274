//! `cargo xtask size`: the bytes a browser transfers for the shipped widget, as the proxy
//! serves them (the `.br` and `.gz` twins the build wrote), per file and per kind of page.
//! Budgets are printed next to the figures, not asserted.

use std::path::Path;

use anyhow::{Context, Result, bail};

use crate::ship::BUNDLES;

/// One served file and its sizes on the wire.
struct Served {
    name: String,
    raw: u64,
    gzip: u64,
    brotli: u64,
}

/// A kind of host page, the bundle its elements load, and its budget in bytes (brotli, gzip).
const PAGES: [(&str, &str, Option<u64>, Option<u64>); 3] = [
    ("badge-only page", "badge", Some(45_000), None),
    ("status-only page", "status", None, None),
    ("order page", "full", Some(95_000), Some(110_000)),
];

/// Prints the per-file table and the per-page totals for the widget in `pkg`.
pub fn report(pkg: &Path) -> Result<()> {
    let files = served_files(pkg)?;
    println!(
        "{:<44} {:>9} {:>9} {:>9}",
        "file (as served from pkg/)", "raw", "gzip", "brotli"
    );
    for file in &files {
        println!(
            "{:<44} {:>9} {:>9} {:>9}",
            file.name, file.raw, file.gzip, file.brotli
        );
    }
    println!();
    println!(
        "{:<20} {:>9} {:>9}   budget (first load, everything the page's elements need)",
        "page", "gzip", "brotli"
    );
    for (page, kind, brotli_budget, gzip_budget) in PAGES {
        let needed = page_files(pkg, &files, kind)?;
        let gzip: u64 = needed.iter().map(|file| file.gzip).sum();
        let brotli: u64 = needed.iter().map(|file| file.brotli).sum();
        let budget = |limit: Option<u64>, actual: u64, label: &str| {
            limit.map(|limit| {
                let verdict = if actual <= limit { "within" } else { "OVER" };
                format!("{label} ≤ {:.1} KB ({verdict})", limit as f64 / 1000.0)
            })
        };
        let budgets: Vec<String> = [
            budget(brotli_budget, brotli, "brotli"),
            budget(gzip_budget, gzip, "gzip"),
        ]
        .into_iter()
        .flatten()
        .collect();
        println!(
            "{page:<20} {:>7.1} KB {:>6.1} KB   {}",
            gzip as f64 / 1000.0,
            brotli as f64 / 1000.0,
            if budgets.is_empty() {
                "none set".to_owned()
            } else {
                budgets.join(", ")
            }
        );
        let names: Vec<&str> = needed.iter().map(|file| file.name.as_str()).collect();
        println!("{:<20} {}", "", names.join(" + "));
    }
    Ok(())
}

/// Every file of `pkg` a browser may load (not the twins), with its twins' sizes.
fn served_files(pkg: &Path) -> Result<Vec<Served>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(pkg).with_context(|| format!("reading {}", pkg.display()))? {
        let path = entry?.path();
        let name = path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let loads = name.ends_with(".js") || name.ends_with(".wasm");
        if !loads || !path.is_file() {
            continue;
        }
        let length = |suffix: &str| -> Result<u64> {
            let twin = pkg.join(format!("{name}{suffix}"));
            Ok(std::fs::metadata(&twin)
                .with_context(|| {
                    format!(
                        "{} is missing: run the shipped build (`cargo xtask size`)",
                        twin.display()
                    )
                })?
                .len())
        };
        files.push(Served {
            raw: std::fs::metadata(&path)?.len(),
            gzip: length(".gz")?,
            brotli: length(".br")?,
            name,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

/// What a page whose elements use bundle `kind` downloads: the loader, that bundle's glue and
/// wasm, and the snippets its glue imports.
fn page_files<'a>(pkg: &Path, files: &'a [Served], kind: &str) -> Result<Vec<&'a Served>> {
    let bundle = BUNDLES
        .iter()
        .find(|bundle| bundle.kind == kind)
        .context("no such bundle")?;
    let prefix = format!("{}.", bundle.name);
    let own: Vec<&Served> = files
        .iter()
        .filter(|file| file.name.starts_with(&prefix))
        .collect();
    let Some(glue) = own.iter().find(|file| file.name.ends_with(".js")) else {
        bail!("pkg/ has no {} glue: run the shipped build", bundle.name);
    };
    let glue_text = std::fs::read_to_string(pkg.join(&glue.name))?;
    let mut needed: Vec<&Served> = files
        .iter()
        .filter(|file| file.name == "embed.js")
        .collect();
    needed.extend(own);
    needed.extend(
        files
            .iter()
            .filter(|file| file.name.contains("-snippet.") && glue_text.contains(&file.name)),
    );
    Ok(needed)
}
