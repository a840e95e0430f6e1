//! EAN-13 barcodes, as printed on the products the till scans.

/// The check digit of the first twelve digits.
fn check_digit(first12: &[u32]) -> u32 {
    let sum: u32 = first12
        .iter()
        .enumerate()
        .map(|(i, d)| if i % 2 == 0 { *d } else { d * 3 })
        .sum();
    (10 - sum % 10) % 10
}

/// Whether `code` is exactly 13 digits with the right check digit.
pub fn is_ean13(code: &str) -> bool {
    let digits: Vec<u32> = code.chars().filter_map(|c| c.to_digit(10)).collect();
    code.len() == 13
        && matches!(digits.as_slice(), [first12 @ .., last]
            if first12.len() == 12 && check_digit(first12) == *last)
}

/// Completes twelve digits with their check digit (`None` if not twelve digits).
pub fn ean13(first12: &str) -> Option<String> {
    let digits: Vec<u32> = first12.chars().filter_map(|c| c.to_digit(10)).collect();
    (first12.len() == 12 && digits.len() == 12)
        .then(|| format!("{first12}{}", check_digit(&digits)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validates_the_check_digit() {
        assert!(is_ean13("4006381333931"));
        assert!(!is_ean13("4006381333932"));
        assert!(!is_ean13("400638133393"));
        assert!(!is_ean13("40063813339a1"));
        assert_eq!(ean13("400638133393").as_deref(), Some("4006381333931"));
        assert_eq!(ean13("12345"), None);
    }
}
