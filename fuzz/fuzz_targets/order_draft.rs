//! The order form as the proxy receives it (`POST /api/orders`): any JSON draft validates
//! without panicking, the whole-form check agrees field by field with the per-field check the
//! widget runs on blur, and a valid order serialises for Checkr.
#![no_main]

use bgcheck_fuzz::domain::validation::{
    Field, OrderDraft, OrderRules, validate_order, validate_order_field,
};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|body: &[u8]| {
    let Ok(draft) = serde_json::from_slice::<OrderDraft>(body) else {
        return;
    };
    for node_required in [false, true] {
        let rules = OrderRules { node_required };
        match validate_order(&draft, rules) {
            Ok(valid) => {
                for field in Field::ALL {
                    assert_eq!(
                        validate_order_field(&draft, rules, field),
                        None,
                        "{field:?}"
                    );
                }
                serde_json::to_string(valid.candidate()).unwrap();
                serde_json::to_string(&valid.invitation("cand_1")).unwrap();
            }
            Err(errors) => {
                assert!(!errors.is_empty(), "an invalid order names no field");
                for field in Field::ALL {
                    assert_eq!(
                        validate_order_field(&draft, rules, field).as_deref(),
                        errors.get(field),
                        "{field:?}"
                    );
                }
            }
        }
    }
});
