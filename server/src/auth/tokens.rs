//! Access tokens (HS256 JWT, `exp` enforced, only HS256 accepted, so
//! `alg: none` and algorithm confusion are refused; `nbf` and `iat` may not
//! lie in the future beyond a small leeway) and refresh tokens.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use hail_protocol::{Role, UserId};
use jsonwebtoken::{decode, encode, Algorithm, DecodingKey, EncodingKey, Header, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::time::Duration;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    pub sub: UserId,
    pub role: Role,
    pub exp: u64,
    pub iat: u64,
}

/// Clock skew tolerated between nodes, for `exp`, `nbf` and `iat`.
const LEEWAY_SECS: u64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("invalid or expired token")]
    Invalid,
    #[error("could not sign token: {0}")]
    Sign(String),
}

/// Signs and checks access tokens with one secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    pub access_ttl: Duration,
}

impl TokenKeys {
    pub fn new(secret: &[u8], access_ttl: Duration) -> Self {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.leeway = LEEWAY_SECS;
        // Checked when present (our tokens carry none; a forged or foreign
        // token that says "not before" is held to it).
        validation.validate_nbf = true;
        validation.set_required_spec_claims(&["exp", "sub"]);
        Self {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            access_ttl,
        }
    }

    pub fn issue(&self, user: UserId, role: Role) -> Result<String, TokenError> {
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let claims = Claims {
            sub: user,
            role,
            iat: now,
            exp: now + self.access_ttl.as_secs(),
        };
        encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| TokenError::Sign(e.to_string()))
    }

    pub fn verify(&self, token: &str) -> Result<Claims, TokenError> {
        let claims = decode::<Claims>(token, &self.decoding, &self.validation)
            .map(|data| data.claims)
            .map_err(|_| TokenError::Invalid)?;
        // jsonwebtoken does not look at `iat`: a token "issued" in the future
        // comes from a broken clock or a forger.
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        if claims.iat > now + LEEWAY_SECS {
            return Err(TokenError::Invalid);
        }
        Ok(claims)
    }
}

/// A new opaque refresh token and the hash stored for it.
pub fn new_refresh_token() -> (String, Vec<u8>) {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    let token = URL_SAFE_NO_PAD.encode(bytes);
    let hash = hash_refresh_token(&token);
    (token, hash)
}

/// Refresh tokens are stored as SHA-256: a leaked table grants nothing.
pub fn hash_refresh_token(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys() -> TokenKeys {
        TokenKeys::new(b"0123456789abcdef0123456789abcdef", Duration::from_secs(60))
    }

    #[test]
    fn issued_tokens_verify() {
        let user = UserId::new();
        let token = keys().issue(user, Role::Driver).expect("sign");
        let claims = keys().verify(&token).expect("valid");
        assert_eq!(claims.sub, user);
        assert_eq!(claims.role, Role::Driver);
    }

    #[test]
    fn forged_expired_and_unsigned_tokens_are_refused() {
        let token = keys().issue(UserId::new(), Role::Rider).expect("sign");
        let other = TokenKeys::new(b"another-secret-another-secret-xx", Duration::from_secs(60));
        assert!(other.verify(&token).is_err(), "wrong secret");

        let now = chrono::Utc::now().timestamp() as u64;
        let expired = Claims {
            sub: UserId::new(),
            role: Role::Rider,
            iat: now - 200,
            exp: now - 100,
        };
        let token =
            encode(&Header::new(Algorithm::HS256), &expired, &keys().encoding).expect("sign");
        assert!(keys().verify(&token).is_err(), "expired");

        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
        let body = URL_SAFE_NO_PAD.encode(
            serde_json::to_vec(&Claims {
                exp: now + 100,
                ..expired
            })
            .expect("json"),
        );
        assert!(
            keys().verify(&format!("{header}.{body}.")).is_err(),
            "alg none"
        );
    }

    fn sign(value: serde_json::Value) -> String {
        encode(&Header::new(Algorithm::HS256), &value, &keys().encoding).expect("sign")
    }

    #[test]
    fn iat_and_nbf_in_the_future_are_refused_beyond_the_leeway() {
        let now = chrono::Utc::now().timestamp() as u64;
        let sub = UserId::new();
        let claims = |iat: u64, nbf: Option<u64>| {
            let mut v =
                serde_json::json!({"sub": sub, "role": "rider", "iat": iat, "exp": now + 300});
            if let Some(nbf) = nbf {
                v["nbf"] = nbf.into();
            }
            v
        };
        assert!(keys().verify(&sign(claims(now, None))).is_ok());
        assert!(
            keys().verify(&sign(claims(now + 3, None))).is_ok(),
            "within leeway"
        );
        assert!(
            keys().verify(&sign(claims(now + 60, None))).is_err(),
            "iat ahead"
        );
        assert!(keys().verify(&sign(claims(now, Some(now - 10)))).is_ok());
        assert!(
            keys().verify(&sign(claims(now, Some(now + 3)))).is_ok(),
            "nbf within leeway"
        );
        assert!(
            keys().verify(&sign(claims(now, Some(now + 60)))).is_err(),
            "not yet valid"
        );
    }

    #[test]
    fn refresh_tokens_are_random_and_hashed() {
        let (a, ha) = new_refresh_token();
        let (b, _) = new_refresh_token();
        assert_ne!(a, b);
        assert_eq!(hash_refresh_token(&a), ha);
        assert_eq!(ha.len(), 32);
    }
}
