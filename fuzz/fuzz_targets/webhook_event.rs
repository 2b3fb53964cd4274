//! The webhook envelope as the proxy decodes it after the signature checks out: any bytes
//! either fail to decode or give an event that folds without panicking, folds idempotently,
//! and whose fold state survives the JSON round trip the store puts it through.
#![no_main]

use bgcheck_fuzz::domain::events::{Event, FoldedOrder, Outcome};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(event) = serde_json::from_slice::<Event>(body) else {
        return;
    };
    let _ = event.kind();
    let mut folded = FoldedOrder::default();
    let first = folded.apply(&event);
    let after_first = folded.clone();
    let again = folded.apply(&event);
    assert_eq!(folded, after_first, "a redelivery changed the fold");
    if first == Outcome::Applied {
        assert_eq!(
            again,
            Outcome::Duplicate,
            "a redelivery was not a duplicate"
        );
    }
    // The object as a read of it: never panics either.
    let mut read = folded.clone();
    read.apply_read(&event.data.object, &event.created_at);
    let stored = serde_json::to_string(&folded).unwrap();
    let loaded: FoldedOrder = serde_json::from_str(&stored).unwrap();
    assert_eq!(loaded, folded, "the fold does not survive the store");
    let _ = folded
        .status
        .badge(bgcheck_fuzz::domain::checkr::CustomerType::Combined);
    let _ = folded
        .status
        .badge(bgcheck_fuzz::domain::checkr::CustomerType::Segregated);
});
