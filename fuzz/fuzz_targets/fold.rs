//! A delivery sequence (a JSON array of events, in arrival order) folded into one order: no
//! panic, and redelivering the whole sequence afterwards (Checkr retries for a day) changes
//! nothing.
#![no_main]

use bgcheck_fuzz::domain::checkr::CustomerType;
use bgcheck_fuzz::domain::events::{Event, FoldedOrder};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(events) = serde_json::from_slice::<Vec<Event>>(body) else {
        return;
    };
    let mut folded = FoldedOrder::default();
    for event in &events {
        folded.apply(event);
    }
    let settled = folded.clone();
    for event in &events {
        folded.apply(event);
    }
    assert_eq!(
        folded, settled,
        "redelivering the same events changed the fold"
    );
    let _ = folded.status.badge(CustomerType::Combined);
    let _ = folded.status.badge(CustomerType::Segregated);
});
