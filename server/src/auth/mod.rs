//! Identity: password hashing, tokens, log-in throttling. Access
//! tokens are short-lived HS256 JWTs; refresh tokens are random, stored
//! hashed, and rotated on use.

pub mod password;
pub mod throttle;
pub mod tokens;
