//! JWT access tokens (HS256 only: `alg: none` and key-confusion tricks are refused by
//! construction) and opaque refresh tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use crm_domain::{Role, Scope};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// What an access token says about its bearer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Claims {
    /// `user:<id>` or `sa:<client_id>`.
    pub sub: String,
    /// Staff member's id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<i64>,
    /// Staff member's role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    /// Service account's client id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cid: Option<String>,
    /// Service account's scopes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub scopes: Vec<Scope>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    /// Tokens whose signature was already checked, by their exact text (see [`verify`]).
    ///
    /// [`verify`]: TokenKeys::verify
    verified: Arc<Mutex<HashMap<String, Claims>>>,
    /// Lifetime of a new access token, in seconds.
    pub ttl_secs: i64,
}

/// Seconds of clock difference tolerated on `exp`.
const LEEWAY_SECS: i64 = 5;

/// Verified tokens remembered at most (a store's tills and back-office sessions); the
/// memory is emptied when full.
const VERIFIED_KEPT: usize = 1024;

/// Why a bearer token was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum TokenError {
    /// Past its expiry.
    Expired,
    /// Bad signature, bad algorithm, malformed.
    Invalid,
}

impl TokenKeys {
    /// Keys from the configured secret.
    pub fn new(secret: &str, ttl_secs: i64) -> TokenKeys {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS as u64;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        TokenKeys {
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
            validation,
            verified: Arc::default(),
            ttl_secs,
        }
    }

    /// A token for a staff member.
    pub fn for_user(&self, user_id: i64, role: Role) -> String {
        self.sign(Claims {
            sub: format!("user:{user_id}"),
            uid: Some(user_id),
            role: Some(role),
            cid: None,
            scopes: Vec::new(),
            iat: 0,
            exp: 0,
        })
    }

    /// A token for a service account.
    pub fn for_service(&self, client_id: &str, scopes: Vec<Scope>) -> String {
        self.sign(Claims {
            sub: format!("sa:{client_id}"),
            uid: None,
            role: None,
            cid: Some(client_id.to_owned()),
            scopes,
            iat: 0,
            exp: 0,
        })
    }

    fn sign(&self, mut claims: Claims) -> String {
        let now = Utc::now().timestamp();
        claims.iat = now;
        claims.exp = now + self.ttl_secs;
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .expect("HS256 signing of serialisable claims cannot fail")
    }

    /// Checks signature, algorithm and expiry.
    ///
    /// A till sends the same token with every request for its whole lifetime, and the
    /// signature check and the two JSON decodings cost more than the rest of an identify's
    /// own work. So a token that passed is remembered by its exact text: the same text
    /// has the same, already checked, signature. Its expiry is checked every time.
    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        self.verify_at(token, Utc::now().timestamp())
    }

    fn verify_at(&self, token: &str, now: i64) -> Result<Claims, TokenError> {
        let remembered = self.verified().get(token).cloned();
        let claims = match remembered {
            Some(claims) => claims,
            None => {
                let claims = decode::<Claims>(token, &self.decoding, &self.validation)
                    .map(|data| data.claims)
                    .map_err(|e| match e.kind() {
                        jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                        _ => TokenError::Invalid,
                    })?;
                let mut verified = self.verified();
                if verified.len() >= VERIFIED_KEPT {
                    verified.clear();
                }
                verified.insert(token.to_owned(), claims.clone());
                claims
            }
        };
        if claims.exp < now - LEEWAY_SECS {
            return Err(TokenError::Expired);
        }
        Ok(claims)
    }

    fn verified(&self) -> std::sync::MutexGuard<'_, HashMap<String, Claims>> {
        self.verified.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A new opaque refresh token (256 random bits, URL-safe).
pub fn new_refresh_token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// What is stored of a refresh token: its SHA-256.
pub fn refresh_token_hash(token: &str) -> String {
    crate::pii::hex(&Sha256::digest(token.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_refuses_other_keys() {
        let keys = TokenKeys::new("secret-a", 60);
        let token = keys.for_user(7, Role::Cashier);
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.uid, Some(7));
        assert_eq!(claims.role, Some(Role::Cashier));
        assert_eq!(
            TokenKeys::new("secret-b", 60).verify(&token),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn a_remembered_token_still_expires_and_a_tampered_one_is_checked() {
        let keys = TokenKeys::new("secret", 60);
        let token = keys.for_user(3, Role::Cashier);
        let now = Utc::now().timestamp();
        assert_eq!(keys.verify_at(&token, now).unwrap().uid, Some(3));
        // Served from memory now, but expiry still applies.
        assert_eq!(keys.verify_at(&token, now).unwrap().uid, Some(3));
        assert_eq!(keys.verify_at(&token, now + 120), Err(TokenError::Expired));
        // Another text (one signature character changed) is verified, and refused.
        let at = token.len() - 10;
        let swapped = if &token[at..=at] == "A" { "B" } else { "A" };
        let tampered = format!("{}{swapped}{}", &token[..at], &token[at + 1..]);
        assert_eq!(keys.verify_at(&tampered, now), Err(TokenError::Invalid));
        // Remembered tokens belong to one key: another key still refuses it.
        assert_eq!(
            TokenKeys::new("other", 60).verify_at(&token, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = TokenKeys::new("secret", -3600);
        let token = keys.for_user(1, Role::Admin);
        assert_eq!(keys.verify(&token), Err(TokenError::Expired));
    }
}
