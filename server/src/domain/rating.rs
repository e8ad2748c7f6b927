//! Ratings after a completed ride: one to five stars and an optional short
//! comment, given within a window after completion (late ratings are
//! mostly retaliation or noise, and a window lets the averages settle).

use serde::{Deserialize, Serialize};

/// Longest comment, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RatingError {
    #[error("stars: must be 1 to 5")]
    Stars,
    #[error("comment: must be at most 500 characters")]
    CommentTooLong,
    #[error("comment: must not contain control characters")]
    CommentControl,
}

/// One to five stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "u8")]
pub struct Stars(u8);

impl Stars {
    /// Wide input, so an absurd number is a `stars` error, not a JSON one.
    pub fn new(stars: i64) -> Result<Self, RatingError> {
        u8::try_from(stars)
            .ok()
            .filter(|s| (1..=5).contains(s))
            .map(Self)
            .ok_or(RatingError::Stars)
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl TryFrom<i64> for Stars {
    type Error = RatingError;
    fn try_from(v: i64) -> Result<Self, Self::Error> {
        Self::new(v)
    }
}

impl From<Stars> for u8 {
    fn from(s: Stars) -> u8 {
        s.0
    }
}

/// A trimmed, non-empty comment without control characters (newlines
/// included: it is shown on one line in the monitor and profiles).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Comment(String);

impl Comment {
    /// `None` for no comment or only whitespace.
    pub fn parse(raw: Option<&str>) -> Result<Option<Self>, RatingError> {
        let Some(t) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
            return Ok(None);
        };
        if t.chars().any(char::is_control) {
            return Err(RatingError::CommentControl);
        }
        if t.chars().count() > MAX_COMMENT_CHARS {
            return Err(RatingError::CommentTooLong);
        }
        Ok(Some(Self(t.to_owned())))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether a ride completed at `completed_at_ms` may still be rated at
/// `now_ms`: within `window_secs`, inclusive. A `now` slightly before the
/// completion (another node's clock) counts as open.
pub fn rating_open(completed_at_ms: i64, now_ms: i64, window_secs: u64) -> bool {
    let window_ms = i64::try_from(window_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
    now_ms.saturating_sub(completed_at_ms) <= window_ms
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_are_one_to_five() {
        assert_eq!(Stars::new(1).map(Stars::get), Ok(1));
        assert_eq!(Stars::new(5).map(Stars::get), Ok(5));
        for bad in [0, 6, -1, 256, i64::MAX] {
            assert_eq!(Stars::new(bad), Err(RatingError::Stars), "{bad}");
        }
        assert!(serde_json::from_str::<Stars>("6").is_err());
        assert_eq!(
            serde_json::to_string(&Stars::new(4).expect("valid")).expect("json"),
            "4"
        );
    }

    #[test]
    fn comments_are_trimmed_bounded_and_plain() {
        assert_eq!(Comment::parse(None), Ok(None));
        assert_eq!(Comment::parse(Some("   ")), Ok(None));
        let c = Comment::parse(Some("  great ride "))
            .expect("valid")
            .expect("some");
        assert_eq!(c.as_str(), "great ride");
        assert!(Comment::parse(Some(&"é".repeat(500))).is_ok());
        assert_eq!(
            Comment::parse(Some(&"a".repeat(501))),
            Err(RatingError::CommentTooLong)
        );
        assert_eq!(
            Comment::parse(Some("a\nb")),
            Err(RatingError::CommentControl)
        );
        assert_eq!(
            Comment::parse(Some("a\u{0}b")),
            Err(RatingError::CommentControl)
        );
    }

    #[test]
    fn the_window_is_inclusive_and_tolerates_skew() {
        let done = 1_000_000;
        assert!(rating_open(done, done, 60));
        assert!(rating_open(done, done + 60_000, 60));
        assert!(!rating_open(done, done + 60_001, 60));
        assert!(rating_open(done, done - 5_000, 60));
        assert!(!rating_open(done, done + 1, 0) && rating_open(done, done, 0));
        assert!(rating_open(i64::MIN, i64::MAX, u64::MAX));
        assert!(!rating_open(i64::MIN, i64::MAX, 1));
    }
}
