//! Coupon codes typed at the till or chosen by marketing: normalising is idempotent, and
//! a vanity code that is accepted is plain ASCII of the allowed length and accepted again
//! as it is.
#![no_main]

use crm_domain::coupon::{normalize_code, vanity_code};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|typed: &str| {
    let normal = normalize_code(typed);
    assert!(!normal.chars().any(char::is_whitespace), "{normal:?}");
    if let Ok(code) = vanity_code(typed) {
        assert!((3..=32).contains(&code.len()), "{code:?}");
        assert!(
            code.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-'),
            "{code:?}"
        );
        assert_eq!(vanity_code(&code), Ok(code.clone()));
        assert_eq!(normalize_code(&code), code);
    }
});
