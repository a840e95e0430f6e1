//! Phone numbers: the key that identifies a customer at the till.
//!
//! Cashiers type numbers in every usual form (`0701234567`, `07 01 23 45 67`,
//! `+225 07 01 23 45 67`, `002250701234567`); all of them normalise to one E.164 string
//! with libphonenumber's metadata, so the same person is always found.

use phonenumber::{country, Mode, PhoneNumber};
use std::str::FromStr;

/// A valid phone number in E.164 form (`+2250701234567`).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Phone(String);

/// Why a typed number was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PhoneError {
    /// Nothing but spaces or punctuation.
    #[error("le numéro de téléphone est vide")]
    Empty,
    /// Not a number of any numbering plan, or not a valid one.
    #[error("numéro de téléphone invalide")]
    Invalid,
    /// The configured default region is not an ISO 3166 code.
    #[error("région par défaut inconnue : {0}")]
    UnknownRegion(String),
}

impl Phone {
    /// Parses a number typed at the till; national forms are read in `default_region`
    /// (an ISO 3166 alpha-2 code such as `CI`).
    pub fn parse(input: &str, default_region: &str) -> Result<Phone, PhoneError> {
        let cleaned: String = input
            .chars()
            .filter(|c| c.is_ascii_digit() || *c == '+')
            .collect();
        if cleaned.is_empty() {
            return Err(PhoneError::Empty);
        }
        let region = country::Id::from_str(&default_region.to_ascii_uppercase())
            .map_err(|_| PhoneError::UnknownRegion(default_region.to_owned()))?;
        let number: PhoneNumber =
            phonenumber::parse(Some(region), &cleaned).map_err(|_| PhoneError::Invalid)?;
        if !phonenumber::is_valid(&number) {
            return Err(PhoneError::Invalid);
        }
        Ok(Phone(number.format().mode(Mode::E164).to_string()))
    }

    /// Rebuilds a phone from an E.164 string read back from storage.
    pub fn from_e164(e164: String) -> Phone {
        Phone(e164)
    }

    /// The E.164 form, the only form that is stored (encrypted) and indexed.
    pub fn e164(&self) -> &str {
        &self.0
    }

    /// The number as a cashier reads it, with the middle hidden: `07 •• •• 45 67`.
    ///
    /// Ivorian numbers keep their two-digit operator prefix and last four digits; others
    /// keep the country code and last four digits.
    pub fn masked(&self) -> String {
        let national = self.0.strip_prefix("+225").filter(|n| n.len() == 10);
        // E.164 is ASCII, so these byte ranges always fall on characters.
        match national.and_then(|n| Some((n.get(0..2)?, n.get(6..8)?, n.get(8..10)?))) {
            Some((operator, pair, last)) => format!("{operator} •• •• {pair} {last}"),
            None => {
                let digits = &self.0;
                let tail = digits
                    .get(digits.len().saturating_sub(4)..)
                    .unwrap_or_default();
                let (pair, last) = tail.split_at_checked(2).unwrap_or((tail, ""));
                format!("+•• •• •• {pair} {last}")
            }
        }
    }

    /// The number in the national grouping, `07 01 23 45 67`, for roles allowed to see it.
    pub fn display(&self) -> String {
        match self.0.strip_prefix("+225").filter(|n| n.len() == 10) {
            Some(n) => n
                .as_bytes()
                .chunks(2)
                .map(|pair| std::str::from_utf8(pair).unwrap_or_default())
                .collect::<Vec<_>>()
                .join(" "),
            None => self.0.clone(),
        }
    }
}

/// Never print a phone by accident: `{:?}` shows the masked form only.
impl std::fmt::Debug for Phone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Phone({})", self.masked())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_usual_ivorian_form_gives_one_number() {
        for typed in [
            "0701234567",
            "07 01 23 45 67",
            "+225 07 01 23 45 67",
            "002250701234567",
            "07.01.23.45.67",
            "(+225) 0701234567",
        ] {
            let phone = Phone::parse(typed, "CI").unwrap_or_else(|e| panic!("{typed}: {e}"));
            assert_eq!(phone.e164(), "+2250701234567", "{typed}");
        }
    }

    #[test]
    fn other_operator_prefixes_are_valid() {
        for typed in ["0501234567", "0101234567", "2721234567"] {
            assert!(Phone::parse(typed, "CI").is_ok(), "{typed}");
        }
    }

    #[test]
    fn refuses_what_is_not_a_number() {
        assert_eq!(Phone::parse("", "CI"), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("  - ", "CI"), Err(PhoneError::Empty));
        assert_eq!(Phone::parse("12", "CI"), Err(PhoneError::Invalid));
        assert_eq!(Phone::parse("07012345", "CI"), Err(PhoneError::Invalid));
        assert_eq!(Phone::parse("070123456789", "CI"), Err(PhoneError::Invalid));
        assert_eq!(Phone::parse("abc", "CI"), Err(PhoneError::Empty));
    }

    #[test]
    fn masks_the_middle() {
        let phone = Phone::parse("0701234567", "CI").unwrap();
        assert_eq!(phone.masked(), "07 •• •• 45 67");
        assert_eq!(phone.display(), "07 01 23 45 67");
        assert!(!format!("{phone:?}").contains("0123"));
    }

    #[test]
    fn unknown_region_is_reported() {
        assert!(matches!(
            Phone::parse("0701234567", "XX"),
            Err(PhoneError::UnknownRegion(_))
        ));
    }
}
