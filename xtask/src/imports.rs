//! Short names for what the wasm imports from its JavaScript glue.
//!
//! wasm-bindgen names each import after the Web API it wraps plus a 16-digit hash
//! (`__wbg_appendChild_dbf7ad2f48413560`), and both files spell every name out. The hashes are
//! random, so gzip cannot shrink them: renaming the glue's imports to `w0`, `w1`, … in the
//! wasm's import section and in the glue saves about 4.5 KB of the download. Imports from the
//! snippet modules keep their names: the snippets export them under those names.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use anyhow::{Context, Result, bail};
use wasm_encoder::{EntityType, ImportSection, Module, RawSection};
use wasmparser::{Parser, Payload};

/// Renames the imports `wasm` takes from the module `glue_module`, in the wasm file and in
/// the glue file. Fails, leaving both files untouched, when the glue does not name every
/// import exactly once per use as expected.
pub fn shorten(wasm_path: &Path, glue_path: &Path, glue_module: &str) -> Result<()> {
    let wasm =
        std::fs::read(wasm_path).with_context(|| format!("reading {}", wasm_path.display()))?;
    let glue = std::fs::read_to_string(glue_path)
        .with_context(|| format!("reading {}", glue_path.display()))?;
    let (renamed_wasm, names) = rename_in_wasm(&wasm, glue_module)?;
    if names.is_empty() {
        bail!("the wasm imports nothing from {glue_module}; has the glue's module name changed?");
    }
    let (renamed_glue, replaced) = rename_in_glue(&glue, &names);
    if let Some(missing) = names.keys().find(|old| !replaced.contains(old.as_str())) {
        bail!("the glue never names the import {missing}; both files left as they were");
    }
    wasmparser::validate(&renamed_wasm).context("the renamed wasm does not validate")?;
    std::fs::write(wasm_path, renamed_wasm)?;
    std::fs::write(glue_path, renamed_glue)?;
    Ok(())
}

/// The wasm with the glue's imports renamed, and the old → new names.
fn rename_in_wasm(wasm: &[u8], glue_module: &str) -> Result<(Vec<u8>, HashMap<String, String>)> {
    let mut names = HashMap::new();
    let mut module = Module::new();
    for payload in Parser::new(0).parse_all(wasm) {
        match payload? {
            Payload::ImportSection(reader) => {
                let mut imports = ImportSection::new();
                for import in reader.into_imports() {
                    let import = import?;
                    let ty = EntityType::try_from(import.ty)?;
                    if import.module == glue_module {
                        let short = short_name(names.len());
                        imports.import(import.module, &short, ty);
                        names.insert(import.name.to_owned(), short);
                    } else {
                        imports.import(import.module, import.name, ty);
                    }
                }
                module.section(&imports);
            }
            other => {
                // Everything else is copied byte for byte; the code section comes whole with
                // its start, so its entries are skipped.
                if let Some((id, range)) = other.as_section() {
                    let data = wasm.get(range).context("a section runs past the end")?;
                    module.section(&RawSection { id, data });
                }
            }
        }
    }
    Ok((module.finish(), names))
}

/// `w` followed by `index` in base 36: a valid identifier and property name.
fn short_name(index: usize) -> String {
    let mut digits = Vec::new();
    let mut rest = index;
    loop {
        digits.extend(
            u32::try_from(rest % 36)
                .ok()
                .and_then(|digit| char::from_digit(digit, 36)),
        );
        rest /= 36;
        if rest == 0 {
            break;
        }
    }
    std::iter::once('w')
        .chain(digits.into_iter().rev())
        .collect()
}

/// The glue with every identifier token that is an old import name replaced by its new name,
/// and the old names it met. Whole tokens only, so a name that is a prefix of another is never
/// half-replaced.
fn rename_in_glue<'a>(
    glue: &'a str,
    names: &HashMap<String, String>,
) -> (String, HashSet<&'a str>) {
    let is_identifier = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(glue.len());
    let mut replaced = HashSet::new();
    let mut push_token = |out: &mut String, token: &'a str| match names.get(token) {
        Some(short) => {
            replaced.insert(token);
            out.push_str(short);
        }
        None => out.push_str(token),
    };
    let mut token_start = None;
    for (at, c) in glue.char_indices() {
        match (is_identifier(c), token_start) {
            (true, None) => token_start = Some(at),
            (false, Some(start)) => {
                push_token(&mut out, &glue[start..at]);
                token_start = None;
                out.push(c);
            }
            (true, Some(_)) => {}
            (false, None) => out.push(c),
        }
    }
    if let Some(start) = token_start {
        push_token(&mut out, &glue[start..]);
    }
    (out, replaced)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names_are_identifiers_and_distinct() {
        let names: Vec<String> = (0..2000).map(short_name).collect();
        assert_eq!(names[0], "w0");
        assert_eq!(names[36], "w10");
        let distinct: HashSet<&String> = names.iter().collect();
        assert_eq!(distinct.len(), names.len());
    }

    #[test]
    fn only_whole_tokens_are_renamed() {
        let names = HashMap::from([("__wbg_a_1".to_owned(), "w0".to_owned())]);
        let glue = "x.__wbg_a_1=function(){};y.__wbg_a_12=1;\"__wbg_a_1\"";
        let (renamed, replaced) = rename_in_glue(glue, &names);
        assert_eq!(renamed, "x.w0=function(){};y.__wbg_a_12=1;\"w0\"");
        assert_eq!(replaced, HashSet::from(["__wbg_a_1"]));
    }
}
