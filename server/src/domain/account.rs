//! What an account is made of, parsed once: a value of these types in hand
//! is valid, so the HTTP layer and `hail admin create` share one set of
//! rules and neither re-checks.

use super::password_rules;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("username: 3-32 characters of letters, digits, '_', '-' or '.'")]
    Username,
    #[error("{0}")]
    Password(&'static str),
    #[error("name: 1-100 characters")]
    DisplayName,
}

/// 3-32 of `[A-Za-z0-9_.-]`. Compared case-insensitively by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> Result<Self, AccountError> {
        let ok = (3..=32).contains(&raw.chars().count())
            && raw
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        ok.then(|| Self(raw.to_string()))
            .ok_or(AccountError::Username)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A password that passed the rules for its username. `Debug` hides it.
#[derive(Clone)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: String, username: &Username) -> Result<Self, AccountError> {
        password_rules::check(username.as_str(), &raw).map_err(AccountError::Password)?;
        Ok(Self(raw))
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The name others see: 1-100 characters once trimmed; the username when
/// none is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: Option<&str>, username: &Username) -> Result<Self, AccountError> {
        match raw.map(str::trim) {
            None => Ok(Self(username.as_str().to_string())),
            Some(n) if n.is_empty() || n.chars().count() > 100 => Err(AccountError::DisplayName),
            Some(n) => Ok(Self(n.to_string())),
        }
    }

    pub fn into_string(self) -> String {
        self.0
    }
}

/// A sign-up (or `hail admin create`) whose fields all passed.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: Username,
    pub password: Password,
    pub name: DisplayName,
}

impl NewAccount {
    /// Checks in the order the client is told about: username, password,
    /// name.
    pub fn parse(
        username: &str,
        password: String,
        name: Option<&str>,
    ) -> Result<Self, AccountError> {
        let username = Username::parse(username)?;
        let password = Password::parse(password, &username)?;
        let name = DisplayName::parse(name, &username)?;
        Ok(Self {
            username,
            password,
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "hail-test-pass-7291";

    #[test]
    fn usernames_follow_the_charset_and_length() {
        assert!(Username::parse("ann.b-9_").is_ok());
        for bad in ["ab", "x".repeat(33).as_str(), "ann smith", "ann@x", "änn"] {
            assert_eq!(Username::parse(bad), Err(AccountError::Username), "{bad}");
        }
    }

    #[test]
    fn fields_are_checked_in_order_and_names_trimmed() {
        let parse = |u: &str, p: &str, n: Option<&str>| NewAccount::parse(u, p.into(), n);
        assert_eq!(
            parse("a", "short", Some("")).map(drop),
            Err(AccountError::Username)
        );
        assert!(matches!(
            parse("ann", "password", None),
            Err(AccountError::Password(_))
        ));
        assert_eq!(
            parse("ann", GOOD, Some("   ")).map(drop),
            Err(AccountError::DisplayName)
        );
        let a = parse("ann", GOOD, Some("  Ann B ")).expect("valid");
        assert_eq!(a.name.into_string(), "Ann B");
        let b = parse("bob", GOOD, None).expect("valid");
        assert_eq!(b.name.into_string(), "bob", "the username by default");
    }

    #[test]
    fn a_password_never_shows_in_debug() {
        let a = NewAccount::parse("ann", GOOD.into(), None).expect("valid");
        assert!(!format!("{a:?}").contains(GOOD));
    }
}
