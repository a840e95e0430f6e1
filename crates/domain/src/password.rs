//! The password policy for staff accounts: one rule, checked by the server when a
//! password is set and by the SPA while it is typed.

use crate::codes;

/// Shortest password accepted.
pub const MIN_CHARS: usize = 10;

/// Longest password accepted: argon2 hashes whatever it is given, so a huge password
/// would be a cheap way to make the server work.
pub const MAX_BYTES: usize = 128;

/// Why a new password is refused; `Display` is the French message shown to the user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PasswordRefusal {
    /// Fewer than [`MIN_CHARS`] characters.
    TooShort,
    /// More than [`MAX_BYTES`] bytes.
    TooLong,
    /// Letters only, or digits only.
    NeedsLetterAndDigit,
    /// Contains the login.
    ContainsUsername,
}

impl PasswordRefusal {
    /// Stable code for the API.
    pub fn code(self) -> &'static str {
        match self {
            PasswordRefusal::TooShort => codes::PASSWORD_TOO_SHORT,
            PasswordRefusal::TooLong => codes::PASSWORD_TOO_LONG,
            PasswordRefusal::NeedsLetterAndDigit => codes::PASSWORD_NEEDS_LETTER_AND_DIGIT,
            PasswordRefusal::ContainsUsername => codes::PASSWORD_CONTAINS_USERNAME,
        }
    }
}

impl std::fmt::Display for PasswordRefusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            PasswordRefusal::TooShort => "Le mot de passe doit contenir au moins 10 caractères.",
            PasswordRefusal::TooLong => "Le mot de passe est trop long (128 octets au plus).",
            PasswordRefusal::NeedsLetterAndDigit => {
                "Le mot de passe doit contenir au moins une lettre et un chiffre."
            }
            PasswordRefusal::ContainsUsername => {
                "Le mot de passe ne doit pas contenir l'identifiant."
            }
        })
    }
}

/// Checks a new password for the account `username`.
pub fn check(password: &str, username: &str) -> Result<(), PasswordRefusal> {
    if password.len() > MAX_BYTES {
        return Err(PasswordRefusal::TooLong);
    }
    if password.chars().count() < MIN_CHARS {
        return Err(PasswordRefusal::TooShort);
    }
    if !(password.chars().any(char::is_alphabetic) && password.chars().any(|c| c.is_ascii_digit()))
    {
        return Err(PasswordRefusal::NeedsLetterAndDigit);
    }
    let login = username.trim().to_lowercase();
    if login.chars().count() >= 3 && password.to_lowercase().contains(&login) {
        return Err(PasswordRefusal::ContainsUsername);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_passwords_pass() {
        assert_eq!(check("Caisse2026!", "awa"), Ok(()));
        assert_eq!(check("Direction2026!", "dg"), Ok(()));
    }

    #[test]
    fn each_refusal_has_its_reason() {
        assert_eq!(check("Abc12345", "x"), Err(PasswordRefusal::TooShort));
        assert_eq!(
            check("abcdefghijkl", "x"),
            Err(PasswordRefusal::NeedsLetterAndDigit)
        );
        assert_eq!(
            check("123456789012", "x"),
            Err(PasswordRefusal::NeedsLetterAndDigit)
        );
        assert_eq!(
            check("Caisse2026!", "caisse"),
            Err(PasswordRefusal::ContainsUsername)
        );
        assert_eq!(
            check(&format!("a1{}", "x".repeat(200)), "u"),
            Err(PasswordRefusal::TooLong)
        );
        // Ten characters, accents count once each.
        assert_eq!(check("éèàùç12345", "x"), Ok(()));
    }
}
