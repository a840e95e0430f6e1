//! JWT access tokens (HS256 only: `alg: none` and key-confusion tricks are refused by
//! construction) and opaque refresh tokens.
//!
//! Two signing keys can be in force at once so the secret can rotate without logging
//! anyone out: new tokens are signed with the current key and name it in their `kid`;
//! tokens signed with the previous key stay valid until they expire (minutes).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Utc;
use crm_domain::{Role, Scope};
use jsonwebtoken::{
    decode, decode_header, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation,
};
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
    /// The staff account's token version when the token was issued: a later version
    /// (role changed, account stopped, password reset) makes the token useless.
    #[serde(default)]
    pub ver: i32,
    /// The login session (refresh-token family) the token belongs to: logging out of it
    /// stops the token.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sid: Option<String>,
    /// Issued at (seconds since the epoch).
    pub iat: i64,
    /// Expires at (seconds since the epoch).
    pub exp: i64,
}

/// One HS256 secret and the key id that names it in token headers.
struct SigningKey {
    kid: String,
    encoding: EncodingKey,
    decoding: DecodingKey,
}

impl SigningKey {
    fn new(secret: &str) -> Result<SigningKey, KeyError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(KeyError::TooShort);
        }
        // The id is a digest of the secret: stable across restarts and instances, and it
        // tells nothing about the secret itself.
        let digest: [u8; 32] = Sha256::digest(secret.as_bytes()).into();
        Ok(SigningKey {
            kid: crate::pii::hex(&digest[..8]),
            encoding: EncodingKey::from_secret(secret.as_bytes()),
            decoding: DecodingKey::from_secret(secret.as_bytes()),
        })
    }
}

/// Shortest signing secret accepted: HS256 is only as strong as its secret.
pub const MIN_SECRET_BYTES: usize = 32;

/// Why the configured signing secrets cannot be used.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// A secret shorter than [`MIN_SECRET_BYTES`].
    #[error("le secret de signature des jetons (CRM_JWT_SECRET / CRM_JWT_PREVIOUS_SECRET) doit faire au moins 32 octets : générez-le avec `openssl rand -base64 32`")]
    TooShort,
}

/// Signs and checks access tokens.
#[derive(Clone)]
pub struct TokenKeys {
    current: Arc<SigningKey>,
    previous: Option<Arc<SigningKey>>,
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
    /// Keys from the configured secrets: `secret` signs, `previous` (the secret before a
    /// rotation) is still accepted for the tokens it signed.
    pub fn new(secret: &str, previous: Option<&str>, ttl_secs: i64) -> Result<TokenKeys, KeyError> {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS as u64;
        validation.set_required_spec_claims(&["exp", "sub", "iat"]);
        Ok(TokenKeys {
            current: Arc::new(SigningKey::new(secret)?),
            previous: previous
                .filter(|p| !p.is_empty())
                .map(SigningKey::new)
                .transpose()?
                .map(Arc::new),
            validation,
            verified: Arc::default(),
            ttl_secs,
        })
    }

    /// A token for a staff member's session, stamped with the account's token version.
    pub fn for_user(&self, user_id: i64, role: Role, version: i32, session: &str) -> String {
        self.sign(Claims {
            sub: format!("user:{user_id}"),
            uid: Some(user_id),
            role: Some(role),
            cid: None,
            scopes: Vec::new(),
            ver: version,
            sid: Some(session.to_owned()),
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
            ver: 0,
            sid: None,
            iat: 0,
            exp: 0,
        })
    }

    #[expect(
        clippy::expect_used,
        reason = "HS256 with an HMAC key of any length cannot fail, and Claims serialises"
    )]
    fn sign(&self, mut claims: Claims) -> String {
        let now = Utc::now().timestamp();
        claims.iat = now;
        claims.exp = now + self.ttl_secs;
        let mut header = Header::new(Algorithm::HS256);
        header.kid = Some(self.current.kid.clone());
        encode(&header, &claims, &self.current.encoding)
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
                let claims = self.decode(token)?;
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

    /// Checks the signature with the key the header names; a token without a key id
    /// (signed before key ids existed) may match either key.
    fn decode(&self, token: &str) -> Result<Claims, TokenError> {
        let kid = decode_header(token).map_err(|_| TokenError::Invalid)?.kid;
        let candidates: Vec<&SigningKey> = std::iter::once(&self.current)
            .chain(self.previous.as_ref())
            .map(|k| k.as_ref())
            .filter(|k| kid.as_deref().is_none_or(|kid| kid == k.kid))
            .collect();
        let mut outcome = Err(TokenError::Invalid);
        for key in candidates {
            outcome = decode::<Claims>(token, &key.decoding, &self.validation)
                .map(|data| data.claims)
                .map_err(|e| match e.kind() {
                    jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                    _ => TokenError::Invalid,
                });
            if outcome.is_ok() {
                break;
            }
        }
        outcome
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

    const A: &str = "secret-a-0123456789abcdef0123456789";
    const B: &str = "secret-b-0123456789abcdef0123456789";

    fn keys(secret: &str, ttl: i64) -> TokenKeys {
        TokenKeys::new(secret, None, ttl).unwrap()
    }

    #[test]
    fn round_trips_and_refuses_other_keys() {
        let keys = keys(A, 60);
        let token = keys.for_user(7, Role::Cashier, 3, "session-1");
        let claims = keys.verify(&token).unwrap();
        assert_eq!(claims.uid, Some(7));
        assert_eq!(claims.role, Some(Role::Cashier));
        assert_eq!(claims.ver, 3);
        assert_eq!(claims.sid.as_deref(), Some("session-1"));
        assert_eq!(
            TokenKeys::new(B, None, 60).unwrap().verify(&token),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(
            TokenKeys::new("too-short", None, 60).err(),
            Some(KeyError::TooShort)
        );
        assert_eq!(
            TokenKeys::new(A, Some("short"), 60).err(),
            Some(KeyError::TooShort)
        );
    }

    #[test]
    fn rotation_keeps_tokens_of_the_previous_key_and_signs_with_the_new_one() {
        let before = keys(A, 60);
        let old_token = before.for_user(1, Role::Admin, 0, "s");
        let rotated = TokenKeys::new(B, Some(A), 60).unwrap();
        assert_eq!(rotated.verify(&old_token).unwrap().uid, Some(1));
        let new_token = rotated.for_user(2, Role::Admin, 0, "s");
        // Signed with B: a server still on A alone refuses it, one on B alone accepts it.
        assert_eq!(before.verify(&new_token), Err(TokenError::Invalid));
        assert_eq!(keys(B, 60).verify(&new_token).unwrap().uid, Some(2));
        // Once A is retired, its tokens stop.
        assert_eq!(keys(B, 60).verify(&old_token), Err(TokenError::Invalid));
    }

    #[test]
    fn a_remembered_token_still_expires_and_a_tampered_one_is_checked() {
        let keys = keys(A, 60);
        let token = keys.for_user(3, Role::Cashier, 0, "s");
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
            TokenKeys::new(B, None, 60).unwrap().verify_at(&token, now),
            Err(TokenError::Invalid)
        );
    }

    #[test]
    fn expired_tokens_are_refused() {
        let keys = keys(A, -3600);
        let token = keys.for_user(1, Role::Admin, 0, "s");
        assert_eq!(keys.verify(&token), Err(TokenError::Expired));
    }
}
