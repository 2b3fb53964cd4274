//! Every order form of the validation vectors, valid or not, as a JSON draft.

#[macro_use]
#[path = "../../tests/vectors/validation.rs"]
mod vectors;

/// `(case name, draft as JSON)` for each case.
pub fn drafts() -> Vec<(&'static str, String)> {
    let mut drafts = Vec::new();
    macro_rules! push {
        ($name:ident, $row:expr) => {
            drafts.push((
                stringify!($name),
                serde_json::to_string(&vectors::draft(&$row)).unwrap(),
            ));
        };
    }
    validation_rows!(push);
    drafts
}
