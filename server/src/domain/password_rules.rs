//! The password rules every account follows, admins included: 8-128
//! characters, not one of the commonest leaked passwords, and not the
//! username or containing it.
//!
//! The list (`common-passwords.txt`, ~650 entries) is the entries of 8
//! characters or more (shorter ones fail the length rule anyway) among the
//! top ~3,500 of SecLists' public `10k-most-common.txt`, plus a few obvious
//! variants, compiled into the binary so no file has to be deployed. A fixed list rather than the `zxcvbn` crate:
//! one clear rule that tests and users can predict, no extra dependency.

use std::collections::HashSet;
use std::sync::OnceLock;

const COMMON: &str = include_str!("common-passwords.txt");

fn common() -> &'static HashSet<&'static str> {
    static SET: OnceLock<HashSet<&'static str>> = OnceLock::new();
    SET.get_or_init(|| {
        COMMON
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .collect()
    })
}

/// Why `password` is refused for `username`, as the client is told.
pub fn check(username: &str, password: &str) -> Result<(), &'static str> {
    if !(8..=128).contains(&password.chars().count()) {
        return Err("password: 8-128 characters");
    }
    let lower = password.to_lowercase();
    if common().contains(lower.as_str()) {
        return Err("password: too common (it is on lists of leaked passwords); choose another");
    }
    let user = username.to_lowercase();
    // A 3-character username would rule out too many good passwords that
    // merely contain it; from 4 characters on, containing it is refused.
    if lower == user || (user.chars().count() >= 4 && lower.contains(&user)) {
        return Err("password: must not be or contain the username");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn common_passwords_are_refused_in_any_case() {
        for bad in [
            "password",
            "Password",
            "PASSWORD1",
            "iloveyou",
            "12345678",
            "qwertyui",
        ] {
            assert!(check("ann", bad).is_err(), "{bad}");
        }
        assert!(check("ann", "hail-test-pass-7291").is_ok());
        assert!(check("ann", "correct horse battery").is_ok());
    }

    #[test]
    fn the_username_is_refused_as_or_inside_the_password() {
        assert!(check("ann_smith", "ANN_SMITH").is_err());
        assert!(check("bobby-99", "my-bobby-99-pass").is_err());
        assert!(
            check("ann", "plannedtrip22").is_ok(),
            "too short to refuse inside"
        );
        assert!(check("short", "1234567").is_err(), "length");
    }
}
