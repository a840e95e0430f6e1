//! Phone numbers as cashiers and imports type them: any text either is refused with a
//! `PhoneError` or becomes one E.164 number that parses back to itself.
#![no_main]

use crm_domain::phone::Phone;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|typed: &str| {
    let Ok(phone) = Phone::parse(typed, "CI") else {
        return;
    };
    let e164 = phone.e164();
    assert!(e164.starts_with('+'), "{e164}");
    assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()), "{e164}");
    // libphonenumber's bounds, not E.164's 15 digits: it knows plans with longer national
    // numbers (the fuzzer found a valid 14-digit Korean one), up to 17 digits after a
    // country code of at most 3.
    assert!(e164.len() <= 1 + 3 + 17, "{e164}");
    let again = Phone::parse(e164, "CI").expect("an E.164 number parses again");
    assert_eq!(again.e164(), e164);
    // What screens and logs show never panics and never shows the middle digits.
    let masked = phone.masked();
    assert!(masked.contains('•'), "{masked}");
    let _ = phone.display();
});
