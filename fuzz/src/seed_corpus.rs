//! Writes each target's seed corpus from the test vectors (tests/vectors/): every lifecycle
//! path of Checkr's webhook table as single events and as delivery sequences (in order and
//! reversed), and every order form of the validation cases.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

// The vectors name the domain through `bgcheck::`; here it is this crate's copy.
extern crate bgcheck_fuzz as bgcheck;

#[macro_use]
#[path = "../../tests/vectors/checkr.rs"]
mod vectors;

mod validation_seeds;

use std::path::Path;

fn write(dir: &Path, name: &str, body: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join(name), body).unwrap();
}

fn main() {
    let out = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "corpus".to_owned());
    let out = Path::new(&out);
    let mut rows = Vec::new();
    macro_rules! push {
        ($name:ident, $row:expr) => {
            rows.push((stringify!($name), $row));
        };
    }
    checkr_rows!(push);
    for (name, row) in &rows {
        let events: Vec<_> = row
            .path
            .iter()
            .enumerate()
            .map(|(index, step)| vectors::event(index, step))
            .collect();
        for (index, event) in events.iter().enumerate() {
            write(
                &out.join("webhook_event"),
                &format!("{name}_{index}.json"),
                &serde_json::to_string(event).unwrap(),
            );
        }
        let mut reversed = events.clone();
        reversed.reverse();
        write(
            &out.join("fold"),
            &format!("{name}.json"),
            &serde_json::to_string(&events).unwrap(),
        );
        write(
            &out.join("fold"),
            &format!("{name}_reversed.json"),
            &serde_json::to_string(&reversed).unwrap(),
        );
    }
    let drafts = validation_seeds::drafts();
    for (name, draft) in &drafts {
        write(&out.join("order_draft"), &format!("{name}.json"), draft);
    }
    println!(
        "seed corpus: {} lifecycle paths, {} order forms, in {}",
        rows.len(),
        drafts.len(),
        out.display()
    );
}
