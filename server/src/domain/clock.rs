//! Client clocks. A `location.at` comes from the driver's device: a wrong
//! clock (or a forged one) must not put a point years back or ahead in a
//! track, nor reorder it. A time within the window is kept (it is the
//! moment the fix was taken, which is better than when it arrived);
//! anything else is replaced by the time the server received it.

use chrono::{DateTime, Duration, Utc};

/// The longest span the server ever adds to or takes from a time: settings
/// beyond it are clamped, so time arithmetic never overflows (chrono
/// panics on an out-of-range `DateTime`) and never turns into zero.
pub const MAX_SPAN: Duration = Duration::days(36_500);

/// A setting's `std` duration as a `chrono` span, clamped to [`MAX_SPAN`].
pub fn span(d: std::time::Duration) -> Duration {
    Duration::from_std(d).unwrap_or(MAX_SPAN).min(MAX_SPAN)
}

/// How far ahead of server time a device clock may run.
pub const MAX_AHEAD: Duration = Duration::seconds(5);

/// The time to record for a point sent at `at` (if given) and received at
/// `now`; `max_age` is how old a position may be and still count (the
/// stale window). The flag says the client's time was replaced.
pub fn point_time(
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    max_age: Duration,
) -> (DateTime<Utc>, bool) {
    match at {
        None => (now, false),
        Some(at) if at > now + MAX_AHEAD || at < now - max_age => (now, true),
        Some(at) => (at, false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_clamped_not_zeroed() {
        assert_eq!(
            span(std::time::Duration::from_secs(15)),
            Duration::seconds(15)
        );
        assert_eq!(span(std::time::Duration::MAX), MAX_SPAN);
        assert_eq!(span(std::time::Duration::from_secs(u64::MAX / 2)), MAX_SPAN);
        // Adding the largest span to now stays in range.
        let _ = Utc::now() + span(std::time::Duration::MAX);
    }

    #[test]
    fn times_outside_the_window_are_replaced() {
        let now = Utc::now();
        let age = Duration::seconds(30);
        assert_eq!(point_time(None, now, age), (now, false));
        let recent = now - Duration::seconds(3);
        assert_eq!(point_time(Some(recent), now, age), (recent, false));
        let skewed = now + Duration::seconds(2);
        assert_eq!(point_time(Some(skewed), now, age), (skewed, false));
        let years_ago = now - Duration::days(365 * 20);
        assert_eq!(point_time(Some(years_ago), now, age), (now, true));
        let future = now + Duration::minutes(10);
        assert_eq!(point_time(Some(future), now, age), (now, true));
        assert_eq!(
            point_time(Some(now - Duration::seconds(31)), now, age),
            (now, true)
        );
    }
}
