//! The monitor's trip search language, parsed once at the edge:
//! `status:completed node:n1 rider:ada driver:<uuid> after:2h before:2026-12-01
//! free words`. Qualifiers may repeat (`status:` ORs, the others AND); a
//! value with spaces is quoted (`rider:"Ada L"`). Times are RFC 3339, a
//! date (midnight UTC), or relative to now (`15m`, `2h`, `7d`, `1w` ago).
//! Free words match trip ids (prefix) and rider/driver names and usernames.

use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use hail_protocol::{TripStatus, UserId};

/// Who a `rider:` / `driver:` qualifier names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Party {
    Id(UserId),
    /// Part of a name or username, matched case-insensitively.
    Name(String),
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TripQuery {
    /// Any of these (empty: any status).
    pub statuses: Vec<TripStatus>,
    /// The node that took the request.
    pub node: Option<String>,
    pub rider: Option<Party>,
    pub driver: Option<Party>,
    /// Trips this user rides or drives (set by a user page, not parsed).
    pub participant: Option<UserId>,
    /// Requested at or after.
    pub after: Option<DateTime<Utc>>,
    /// Requested before.
    pub before: Option<DateTime<Utc>>,
    /// Free words, each matched against id, rider and driver.
    pub words: Vec<String>,
}

/// The order of results; paging continues in the same order. Ties (same
/// fare, same last change) are broken by the trip id, newest first, so a
/// page cursor (the last trip's id) always names one place in the order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Sort {
    /// By request time, newest first.
    #[default]
    Newest,
    /// By request time, oldest first.
    Oldest,
    /// The highest final fare first; trips without one (not completed) last.
    Fare,
    /// The latest status change first (completed, cancelled, started, ...).
    Updated,
}

impl Sort {
    pub const ALL: [Sort; 4] = [Self::Newest, Self::Oldest, Self::Fare, Self::Updated];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Newest => "newest",
            Self::Oldest => "oldest",
            Self::Fare => "fare",
            Self::Updated => "updated",
        }
    }

    /// `""` is the default (`newest`); names are lowercase, as documented.
    pub fn parse(s: &str) -> Option<Self> {
        if s.is_empty() {
            return Some(Self::default());
        }
        Self::ALL.into_iter().find(|sort| sort.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QueryError {
    #[error("unknown qualifier {0:?}: use status:, node:, rider:, driver:, after:, before:")]
    UnknownQualifier(String),
    #[error("{0}: needs a value")]
    Empty(String),
    #[error("status: {0:?} is not a trip status")]
    Status(String),
    #[error(
        "{qualifier} {value:?}: an RFC 3339 time, a date (2026-12-01) or an age (15m, 2h, 7d, 1w)"
    )]
    Time { qualifier: String, value: String },
    #[error("unbalanced quote")]
    Quote,
}

/// Splits on whitespace, keeping `"..."` together (quotes removed).
fn tokens(q: &str) -> Result<Vec<String>, QueryError> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    for ch in q.chars() {
        match ch {
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => {
                if !cur.is_empty() {
                    out.push(std::mem::take(&mut cur));
                }
            }
            c => cur.push(c),
        }
    }
    if quoted {
        return Err(QueryError::Quote);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    Ok(out)
}

/// A time as `after:`/`before:` take it.
pub fn parse_time(value: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(value) {
        return Some(t.with_timezone(&Utc));
    }
    if let Ok(d) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        return d.and_hms_opt(0, 0, 0).map(|t| t.and_utc());
    }
    let (n, unit) = value.split_at(value.len().checked_sub(1)?);
    let n: i64 = n.parse().ok().filter(|n| *n >= 0)?;
    let age = match unit {
        "m" => TimeDelta::try_minutes(n),
        "h" => TimeDelta::try_hours(n),
        "d" => TimeDelta::try_days(n),
        "w" => TimeDelta::try_weeks(n),
        _ => None,
    }?;
    now.checked_sub_signed(age)
}

fn party(value: &str) -> Party {
    match value.parse::<uuid::Uuid>() {
        Ok(id) => Party::Id(UserId(id)),
        Err(_) => Party::Name(value.to_string()),
    }
}

/// Parses `q`; relative times count back from `now`.
pub fn parse(q: &str, now: DateTime<Utc>) -> Result<TripQuery, QueryError> {
    let mut query = TripQuery::default();
    for token in tokens(q)? {
        let Some((key, value)) = token
            .split_once(':')
            .filter(|(k, _)| k.chars().all(|c| c.is_ascii_alphabetic()) && !k.is_empty())
        else {
            query.words.push(token);
            continue;
        };
        let key = key.to_ascii_lowercase();
        if value.is_empty() {
            return Err(QueryError::Empty(format!("{key}:")));
        }
        let time = |v: &str| {
            parse_time(v, now).ok_or_else(|| QueryError::Time {
                qualifier: format!("{key}:"),
                value: v.to_string(),
            })
        };
        match key.as_str() {
            "status" => {
                for s in value.split(',') {
                    let status =
                        TripStatus::parse(s).ok_or_else(|| QueryError::Status(s.to_string()))?;
                    if !query.statuses.contains(&status) {
                        query.statuses.push(status);
                    }
                }
            }
            "node" => query.node = Some(value.to_string()),
            "rider" => query.rider = Some(party(value)),
            "driver" => query.driver = Some(party(value)),
            "after" => query.after = Some(time(value)?),
            "before" => query.before = Some(time(value)?),
            _ => return Err(QueryError::UnknownQualifier(format!("{key}:"))),
        }
    }
    Ok(query)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-02T18:00:00Z".parse().expect("a time")
    }

    #[test]
    fn qualifiers_and_words() {
        let id = "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        let q = parse(
            &format!("status:completed,cancelled node:n1 rider:\"Ada L\" driver:{id} after:2h before:2026-12-01 abc 0193"),
            now(),
        )
        .expect("parses");
        assert_eq!(q.statuses, [TripStatus::Completed, TripStatus::Cancelled]);
        assert_eq!(q.node.as_deref(), Some("n1"));
        assert_eq!(q.rider, Some(Party::Name("Ada L".into())));
        assert_eq!(q.driver, Some(Party::Id(UserId(id.parse().expect("uuid")))));
        assert_eq!(q.after, Some("2026-12-02T16:00:00Z".parse().expect("t")));
        assert_eq!(q.before, Some("2026-12-01T00:00:00Z".parse().expect("t")));
        assert_eq!(q.words, ["abc", "0193"]);
        assert_eq!(parse("", now()), Ok(TripQuery::default()));
    }

    #[test]
    fn times() {
        let t = |s| parse_time(s, now());
        assert_eq!(t("15m"), Some("2026-12-02T17:45:00Z".parse().expect("t")));
        assert_eq!(t("1w"), Some("2026-11-25T18:00:00Z".parse().expect("t")));
        assert_eq!(
            t("2026-12-01T10:00:00+01:00"),
            Some("2026-12-01T09:00:00Z".parse().expect("t"))
        );
        assert_eq!(t("7x"), None);
        assert_eq!(t("-1d"), None);
        assert_eq!(t(""), None);
    }

    #[test]
    fn bad_queries_say_why() {
        assert_eq!(
            parse("status:flying", now()),
            Err(QueryError::Status("flying".into()))
        );
        assert_eq!(
            parse("colour:red", now()),
            Err(QueryError::UnknownQualifier("colour:".into()))
        );
        assert_eq!(
            parse("node:", now()),
            Err(QueryError::Empty("node:".into()))
        );
        assert!(matches!(
            parse("after:soon", now()),
            Err(QueryError::Time { .. })
        ));
        assert_eq!(parse("rider:\"Ada", now()), Err(QueryError::Quote));
        // A word with a colon that is not a qualifier (a time) stays a word.
        assert_eq!(parse("12:30", now()).expect("a word").words, ["12:30"]);
    }

    #[test]
    fn sorts() {
        assert_eq!(Sort::parse("oldest"), Some(Sort::Oldest));
        assert_eq!(Sort::parse(""), Some(Sort::Newest));
        assert_eq!(Sort::parse("newest"), Some(Sort::Newest));
        assert_eq!(Sort::parse("fare"), Some(Sort::Fare));
        assert_eq!(Sort::parse("updated"), Some(Sort::Updated));
        for bad in ["Fare", "price", "fare ", "newest,fare"] {
            assert_eq!(Sort::parse(bad), None, "{bad:?}");
        }
        for sort in Sort::ALL {
            assert_eq!(Sort::parse(sort.as_str()), Some(sort), "names round-trip");
        }
    }
}
