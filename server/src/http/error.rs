//! The HTTP error boundary: one enum, one mapping to status and body.
//! Internal details are logged, never returned.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::http::header::RETRY_AFTER;
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use hail_protocol::{ErrorBody, ErrorCode, ErrorDetail};

use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Unauthorized(&'static str),
    #[error("{0}")]
    Forbidden(&'static str),
    #[error("not found")]
    NotFound,
    #[error("method not allowed")]
    MethodNotAllowed,
    /// A body that is not JSON (400).
    #[error("{0}")]
    Malformed(String),
    /// JSON of the wrong shape, or values out of range (422).
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Conflict(&'static str),
    /// A body over a route's size cap (413).
    #[error("{0}")]
    TooLarge(String),
    #[error("a backend is unavailable; retry later")]
    Unavailable(String),
    /// Too many attempts (429). `retry_after` goes out as `Retry-After`, so
    /// a client knows when trying again can work.
    #[error("{message}")]
    RateLimited {
        message: std::borrow::Cow<'static, str>,
        retry_after: std::time::Duration,
    },
    #[error("internal error")]
    Internal(String),
}

impl ApiError {
    fn status_and_code(&self) -> (StatusCode, ErrorCode) {
        match self {
            Self::Unauthorized(_) => (StatusCode::UNAUTHORIZED, ErrorCode::Unauthorized),
            Self::Forbidden(_) => (StatusCode::FORBIDDEN, ErrorCode::Forbidden),
            Self::NotFound => (StatusCode::NOT_FOUND, ErrorCode::NotFound),
            Self::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, ErrorCode::Invalid),
            Self::Malformed(_) => (StatusCode::BAD_REQUEST, ErrorCode::Invalid),
            Self::Invalid(_) => (StatusCode::UNPROCESSABLE_ENTITY, ErrorCode::Invalid),
            Self::Conflict(_) => (StatusCode::CONFLICT, ErrorCode::Conflict),
            Self::TooLarge(_) => (StatusCode::PAYLOAD_TOO_LARGE, ErrorCode::Invalid),
            Self::Unavailable(_) => (StatusCode::SERVICE_UNAVAILABLE, ErrorCode::Unavailable),
            Self::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, ErrorCode::RateLimited),
            Self::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, ErrorCode::Internal),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            Self::Unavailable(why) => tracing::warn!("request failed, backend unavailable: {why}"),
            Self::Internal(why) => tracing::error!("request failed: {why}"),
            _ => {}
        }
        let (status, code) = self.status_and_code();
        let body = ErrorBody {
            error: ErrorDetail {
                code,
                message: self.to_string(),
            },
        };
        let mut response = (status, Json(body)).into_response();
        if let Self::RateLimited { retry_after, .. } = &self {
            // Whole seconds, rounded up: a client that waits that long finds
            // the oldest counted attempt gone.
            let secs = retry_after.as_secs() + u64::from(retry_after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(secs.max(1)));
        }
        response
    }
}

/// A `limit` query value: absent or empty is `default`, else 1..=`max`.
pub fn parse_limit(raw: Option<&str>, default: usize, max: usize) -> Result<usize, ApiError> {
    match raw.filter(|s| !s.is_empty()) {
        None => Ok(default),
        Some(s) => match s.parse::<usize>() {
            Ok(n) if (1..=max).contains(&n) => Ok(n),
            _ => Err(ApiError::Malformed(format!(
                "limit: a number from 1 to {max}"
            ))),
        },
    }
}

/// A node command's refusal, as HTTP says it (the session says the same
/// with the same codes).
impl From<crate::node::CommandError> for ApiError {
    fn from(e: crate::node::CommandError) -> Self {
        use crate::domain::trip::Refusal;
        use crate::node::CommandError as E;
        match e {
            E::Refused(Refusal::NotFound) => Self::NotFound,
            E::Refused(Refusal::Forbidden(why)) => Self::Forbidden(why),
            E::Refused(Refusal::Conflict(why)) | E::Conflict(why) => Self::Conflict(why),
            E::Refused(Refusal::TripTaken) => {
                Self::Conflict("the trip was taken by another driver")
            }
            E::Invalid(why) => Self::Invalid(why),
            E::RateLimited {
                message,
                retry_after,
            } => Self::RateLimited {
                message: message.into(),
                retry_after,
            },
            E::Unavailable(why) => Self::Unavailable(why),
            E::Internal(why) => Self::Internal(why),
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict(why) => Self::Conflict(why),
            StoreError::Unavailable(why) => Self::Unavailable(why),
            StoreError::Internal(why) => Self::Internal(why),
        }
    }
}

/// Body rejections keep the contract: 400 for a body that is not JSON,
/// 422 for JSON of the wrong shape.
impl From<JsonRejection> for ApiError {
    fn from(r: JsonRejection) -> Self {
        match r {
            JsonRejection::JsonDataError(e) => Self::Invalid(e.body_text()),
            JsonRejection::JsonSyntaxError(e) => Self::Malformed(e.body_text()),
            JsonRejection::MissingJsonContentType(e) => Self::Malformed(e.body_text()),
            other => Self::Malformed(other.body_text()),
        }
    }
}

impl From<QueryRejection> for ApiError {
    fn from(r: QueryRejection) -> Self {
        Self::Malformed(r.body_text())
    }
}

/// `Json` whose rejection is an [`ApiError`].
#[derive(axum::extract::FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// `Query` whose rejection is an [`ApiError`].
#[derive(axum::extract::FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_limited_command_is_429_with_retry_after_on_http_too() {
        let e = crate::node::CommandError::RateLimited {
            message: "at most 5 trip requests per 60 s; try again later".into(),
            retry_after: std::time::Duration::from_secs(60),
        };
        let response = ApiError::from(e).into_response();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(response.headers()[RETRY_AFTER], "60");
    }
}
