//! Personal data at rest: phones are stored encrypted (AES-256-GCM, a fresh nonce each
//! time) with a keyed blind index (HMAC-SHA256) for exact lookup. Without the keys the
//! database reveals no number, and equal numbers cannot be spotted across databases.

use aes_gcm::aead::{Aead, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use crm_domain::phone::Phone;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

/// Encrypts, decrypts and indexes phone numbers.
#[derive(Clone)]
pub struct PhoneVault {
    cipher: Aes256Gcm,
    /// HMAC-SHA256 keyed once with the index key; each index starts from a clone of it.
    index_mac: Hmac<Sha256>,
}

/// A key that is not 32 bytes of base64, or a ciphertext that does not open.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// Configuration problem.
    #[error("clé invalide : {0}")]
    BadKey(String),
    /// Stored value corrupted or encrypted with another key.
    #[error("numéro chiffré illisible (mauvaise clé ?)")]
    Undecryptable,
}

impl PhoneVault {
    /// Builds the vault from two base64-encoded 32-byte keys.
    pub fn new(encryption_key_b64: &str, index_key_b64: &str) -> Result<PhoneVault, VaultError> {
        let enc = decode_key(encryption_key_b64, "CRM_PHONE_KEY")?;
        let index_key = decode_key(index_key_b64, "CRM_PHONE_INDEX_KEY")?;
        Ok(PhoneVault {
            cipher: Aes256Gcm::new_from_slice(&enc)
                .map_err(|e| VaultError::BadKey(e.to_string()))?,
            index_mac: <Hmac<Sha256> as Mac>::new_from_slice(&index_key)
                .map_err(|e| VaultError::BadKey(e.to_string()))?,
        })
    }

    /// The blind index of a phone: same number, same index; no way back to the number.
    pub fn index(&self, phone: &Phone) -> String {
        let mut mac = self.index_mac.clone();
        mac.update(phone.e164().as_bytes());
        hex(&mac.finalize().into_bytes())
    }

    /// Encrypts the E.164 number: base64 of nonce ‖ ciphertext.
    #[expect(
        clippy::expect_used,
        reason = "AES-GCM refuses only plaintexts over 64 GiB; an E.164 number is 16 bytes at most"
    )]
    pub fn seal(&self, phone: &Phone) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), phone.e164().as_bytes())
            .expect("AES-GCM encryption of a short string cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// Decrypts what [`PhoneVault::seal`] produced.
    pub fn open(&self, sealed: &str) -> Result<Phone, VaultError> {
        let bytes = B64.decode(sealed).map_err(|_| VaultError::Undecryptable)?;
        if bytes.len() < 13 {
            return Err(VaultError::Undecryptable);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| VaultError::Undecryptable)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| VaultError::Undecryptable)?;
        let e164 = String::from_utf8(plain).map_err(|_| VaultError::Undecryptable)?;
        Ok(Phone::from_e164(e164))
    }

    /// Encrypts another short secret the same way (a webhook's signing key): base64 of
    /// nonce ‖ ciphertext.
    #[expect(
        clippy::expect_used,
        reason = "AES-GCM refuses only plaintexts over 64 GiB; a signing key is 70 bytes"
    )]
    pub fn seal_text(&self, text: &str) -> String {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let sealed = self
            .cipher
            .encrypt(&Nonce::from(nonce), text.as_bytes())
            .expect("AES-GCM encryption of a short string cannot fail");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&sealed);
        B64.encode(out)
    }

    /// Decrypts what [`PhoneVault::seal_text`] produced.
    pub fn open_text(&self, sealed: &str) -> Result<String, VaultError> {
        let bytes = B64.decode(sealed).map_err(|_| VaultError::Undecryptable)?;
        if bytes.len() < 13 {
            return Err(VaultError::Undecryptable);
        }
        let (nonce, ciphertext) = bytes.split_at(12);
        let nonce: [u8; 12] = nonce.try_into().map_err(|_| VaultError::Undecryptable)?;
        let plain = self
            .cipher
            .decrypt(&Nonce::from(nonce), ciphertext)
            .map_err(|_| VaultError::Undecryptable)?;
        String::from_utf8(plain).map_err(|_| VaultError::Undecryptable)
    }
}

/// A fresh random 32-byte key, base64-encoded.
pub fn generate_key() -> String {
    let mut key = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut key);
    B64.encode(key)
}

fn decode_key(b64: &str, name: &str) -> Result<[u8; 32], VaultError> {
    let bytes = B64
        .decode(b64.trim())
        .map_err(|_| VaultError::BadKey(format!("{name} n'est pas du base64")))?;
    bytes
        .try_into()
        .map_err(|_| VaultError::BadKey(format!("{name} doit faire 32 octets")))
}

/// Lower-case hexadecimal.
#[expect(
    clippy::indexing_slicing,
    reason = "a nibble is below 16, the length of the digit table"
)]
pub fn hex(bytes: &[u8]) -> String {
    // On every identify (the blind index): no formatting machinery per byte.
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 0x0f)]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_is_lower_case_two_digits_per_byte() {
        assert_eq!(hex(&[0x00, 0x0f, 0xab, 0xff, 0x10]), "000fabff10");
        assert_eq!(hex(&[]), "");
    }

    fn vault() -> PhoneVault {
        PhoneVault::new(&generate_key(), &generate_key()).unwrap()
    }

    #[test]
    fn seals_and_opens() {
        let v = vault();
        let phone = Phone::parse("0701234567", "CI").unwrap();
        let sealed = v.seal(&phone);
        assert!(!sealed.contains("0701234567"));
        assert_eq!(v.open(&sealed).unwrap(), phone);
        // A fresh nonce each time: equal numbers give different ciphertexts.
        assert_ne!(v.seal(&phone), sealed);
    }

    #[test]
    fn index_is_stable_and_keyed() {
        let v = vault();
        let phone = Phone::parse("0701234567", "CI").unwrap();
        assert_eq!(v.index(&phone), v.index(&phone));
        assert_ne!(v.index(&phone), vault().index(&phone));
    }

    #[test]
    fn refuses_short_keys_and_foreign_ciphertexts() {
        assert!(PhoneVault::new("c2hvcnQ=", &generate_key()).is_err());
        let phone = Phone::parse("0701234567", "CI").unwrap();
        assert!(vault().open(&vault().seal(&phone)).is_err());
    }
}
