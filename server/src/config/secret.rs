//! Values that must never reach a log line: the token secret and service
//! URLs that may carry a password. Their `Debug` and `Display` redact, so a
//! `{config:?}` or an error message cannot leak them; `expose()` is the one
//! way to the raw value and greps easily.

use std::fmt;

/// A secret shown as `***`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_empty() { "\"\"" } else { "***" })
    }
}

/// A service URL (`postgres://user:password@host/db`) shown without its
/// password.
#[derive(Clone, PartialEq, Eq)]
pub struct ServiceUrl(String);

impl ServiceUrl {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with `***` for its password, for logs and errors.
    pub fn redacted(&self) -> String {
        let url = &self.0;
        let Some((scheme, rest)) = url.split_once("://") else {
            return url.clone();
        };
        match rest.rsplit_once('@') {
            Some((creds, host)) => match creds.split_once(':') {
                Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
                None => url.clone(),
            },
            None => url.clone(),
        }
    }
}

impl fmt::Debug for ServiceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.redacted())
    }
}

impl fmt::Display for ServiceUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_their_password_only() {
        let url = |s: &str| ServiceUrl::new(s).redacted();
        assert_eq!(url("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(url("redis://:pw@h:6379"), "redis://:***@h:6379");
        assert_eq!(url("postgres://u@h/db"), "postgres://u@h/db");
        assert_eq!(url("redis://h:6379"), "redis://h:6379");
        assert_eq!(url("not a url"), "not a url");
    }

    #[test]
    fn debug_and_display_never_show_the_value() {
        let secret = Secret::new("hunter2-hunter2");
        let url = ServiceUrl::new("postgres://u:hunter2@h/db");
        let shown = format!("{secret:?} {url:?} {url}");
        assert!(!shown.contains("hunter2"), "{shown}");
        assert_eq!(secret.expose(), "hunter2-hunter2");
        assert_eq!(url.expose(), "postgres://u:hunter2@h/db");
    }
}
