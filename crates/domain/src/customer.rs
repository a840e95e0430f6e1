//! Customer numbers (`CLT` followed by the sequence, zero-padded to seven digits) and the
//! folded name keys the back office searches by prefix.

use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// The customer number shown on receipts and screens for the `sequence`-th customer.
pub fn customer_number(sequence: i64) -> String {
    format!("CLT{sequence:07}")
}

/// `text` as the name search compares it: lower case, accents dropped (`Koné` → `kone`,
/// `Éa` → `ea`), ligatures spelt out (`œ` → `oe`), anything but letters and digits one
/// space, no space at either end. A query folded the same way is a prefix of the key of
/// every name it should find, whatever case and accents either was typed with.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut gap = false;
    for c in text.nfd().filter(|c| !is_combining_mark(*c)) {
        if c.is_alphanumeric() {
            if gap && !out.is_empty() {
                out.push(' ');
            }
            gap = false;
            match c {
                'œ' | 'Œ' => out.push_str("oe"),
                'æ' | 'Æ' => out.push_str("ae"),
                'ß' => out.push_str("ss"),
                'ø' | 'Ø' => out.push('o'),
                'đ' | 'Đ' => out.push('d'),
                'ł' | 'Ł' => out.push('l'),
                c => out.extend(c.to_lowercase()),
            }
        } else {
            gap = true;
        }
    }
    out
}

/// The two search keys of a name: family name first (`kouassi aya`), then given name
/// first (`aya kouassi`), so a prefix of either finds the person. `None` without a name.
pub fn name_keys(
    first_name: Option<&str>,
    last_name: Option<&str>,
) -> (Option<String>, Option<String>) {
    let first = first_name.map(fold).filter(|k| !k.is_empty());
    let last = last_name.map(fold).filter(|k| !k.is_empty());
    let join = |a: &Option<String>, b: &Option<String>| match (a, b) {
        (Some(a), Some(b)) => Some(format!("{a} {b}")),
        (Some(one), None) | (None, Some(one)) => Some(one.clone()),
        (None, None) => None,
    };
    (join(&last, &first), join(&first, &last))
}

/// The smallest text after every text that starts with `prefix` (its last character
/// moved up by one), so `key >= prefix AND key < after` is a prefix match that an ordinary
/// index serves in code-point order. `None` for an empty prefix.
pub fn prefix_end(prefix: &str) -> Option<String> {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        // The next scalar value, skipping the surrogate gap; at the very top, drop it
        // and move the previous one up instead.
        let next = (u32::from(last) + 1..=u32::from(char::MAX)).find_map(char::from_u32);
        if let Some(next) = next {
            chars.push(next);
            return Some(chars.into_iter().collect());
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_to_seven_digits() {
        assert_eq!(customer_number(42), "CLT0000042");
        assert_eq!(customer_number(12_345_678), "CLT12345678");
    }

    #[test]
    fn folding_drops_case_accents_and_punctuation() {
        assert_eq!(fold("Koné"), "kone");
        assert_eq!(
            fold("  ÉLÉONORE   N'Guessan-Brou "),
            "eleonore n guessan brou"
        );
        assert_eq!(fold("Cœur"), "coeur");
        assert_eq!(fold("Diabaté"), fold("DIABATE"));
        assert_eq!(fold("--"), "");
    }

    #[test]
    fn both_orders_of_the_name_are_keys() {
        assert_eq!(
            name_keys(Some("Aya"), Some("Kouassi")),
            (
                Some("kouassi aya".to_owned()),
                Some("aya kouassi".to_owned())
            )
        );
        assert_eq!(
            name_keys(None, Some("Koné")),
            (Some("kone".to_owned()), Some("kone".to_owned()))
        );
        assert_eq!(name_keys(Some(" "), None), (None, None));
    }

    #[test]
    fn the_prefix_end_bounds_exactly_the_texts_with_the_prefix() {
        let end = prefix_end("kouas").unwrap();
        assert_eq!(end, "kouat");
        for key in ["kouas", "kouassi aya", "kouasz"] {
            assert!(key >= "kouas" && key < end.as_str(), "{key}");
        }
        for key in ["kouar", "kouat", "koua sa"] {
            assert!(!(key >= "kouas" && key < end.as_str()), "{key}");
        }
        assert_eq!(prefix_end("az").unwrap(), "a{");
        assert_eq!(prefix_end(""), None);
    }
}
