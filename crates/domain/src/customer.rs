//! Customer numbers: `CLT` followed by the sequence, zero-padded to seven digits.

/// The customer number shown on receipts and screens for the `sequence`-th customer.
pub fn customer_number(sequence: i64) -> String {
    format!("CLT{sequence:07}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pads_to_seven_digits() {
        assert_eq!(customer_number(42), "CLT0000042");
        assert_eq!(customer_number(12_345_678), "CLT12345678");
    }
}
