//! A driver's photo (issue 13): uploaded as JPEG or PNG, checked by its
//! content (not its name or `Content-Type`), decoded within pixel limits,
//! scaled down and re-encoded as JPEG, so nothing of the upload but its
//! pixels survives (no EXIF, no GPS tags, no trailing bytes). Kept in the
//! store, so every node serves it.

use super::auth::Caller;
use super::error::ApiError;
use super::AppState;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::Router;
use hail_protocol::{Role, UserId};
use image::ImageFormat;
use std::io::Cursor;

/// Largest upload accepted.
pub const MAX_PHOTO_BYTES: usize = 2 * 1024 * 1024;
/// Largest side a decoded upload may have (a decompression bomb stops here).
const MAX_SIDE: u32 = 6000;
/// The stored photo's longest side.
const STORED_SIDE: u32 = 512;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/me/photo",
            put(upload).layer(DefaultBodyLimit::max(MAX_PHOTO_BYTES)),
        )
        .route("/users/{id}/photo", get(download))
}

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum PhotoError {
    #[error("photo: only JPEG or PNG images")]
    NotAnImage,
    #[error("photo: at most {MAX_SIDE} pixels a side")]
    TooManyPixels,
    #[error("photo: the image could not be read: {0}")]
    Corrupt(String),
}

/// The upload as the stored JPEG: type by magic bytes, bounded decode,
/// scaled to fit `STORED_SIDE`, re-encoded.
pub fn normalise(bytes: &[u8]) -> Result<Vec<u8>, PhotoError> {
    let format = image::guess_format(bytes).map_err(|_| PhotoError::NotAnImage)?;
    if !matches!(format, ImageFormat::Jpeg | ImageFormat::Png) {
        return Err(PhotoError::NotAnImage);
    }
    let mut reader = image::ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = image::Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|e| match e {
        image::ImageError::Limits(_) => PhotoError::TooManyPixels,
        other => PhotoError::Corrupt(other.to_string()),
    })?;
    let scaled = if decoded.width().max(decoded.height()) > STORED_SIDE {
        decoded.thumbnail(STORED_SIDE, STORED_SIDE)
    } else {
        decoded
    };
    let mut out = Cursor::new(Vec::new());
    image::DynamicImage::ImageRgb8(scaled.to_rgb8())
        .write_to(&mut out, ImageFormat::Jpeg)
        .map_err(|e| PhotoError::Corrupt(e.to_string()))?;
    Ok(out.into_inner())
}

async fn upload(
    State(state): State<AppState>,
    Caller(actor): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<StatusCode, ApiError> {
    if actor.role != Role::Driver {
        return Err(ApiError::Forbidden("only drivers upload a photo"));
    }
    let body = body.map_err(|e| match e {
        BytesRejection::FailedToBufferBody(_) => {
            ApiError::TooLarge(format!("photo: at most {} bytes", MAX_PHOTO_BYTES))
        }
        other => ApiError::Malformed(other.body_text()),
    })?;
    if body.len() > MAX_PHOTO_BYTES {
        return Err(ApiError::TooLarge(format!(
            "photo: at most {MAX_PHOTO_BYTES} bytes"
        )));
    }
    // Decoding is CPU work: off the async workers.
    let jpeg = tokio::task::spawn_blocking(move || normalise(&body))
        .await
        .map_err(|e| ApiError::Internal(e.to_string()))?
        .map_err(|e| ApiError::Invalid(e.to_string()))?;
    state
        .node
        .store
        .put_photo(actor.id, "image/jpeg", &jpeg, chrono::Utc::now())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A driver's photo, for anyone signed in (riders see who comes).
async fn download(
    State(state): State<AppState>,
    Caller(_): Caller,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    let id: UserId = id.parse().map_err(|_| ApiError::NotFound)?;
    let (content_type, bytes) = state
        .node
        .store
        .photo(id)
        .await?
        .ok_or(ApiError::NotFound)?;
    Ok((
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "private, max-age=300".to_string()),
        ],
        bytes,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 30]));
        let mut out = Cursor::new(Vec::new());
        image::DynamicImage::ImageRgb8(img)
            .write_to(&mut out, ImageFormat::Png)
            .expect("png");
        out.into_inner()
    }

    #[test]
    fn a_png_becomes_a_small_jpeg() {
        let jpeg = normalise(&png(1200, 600)).expect("valid");
        assert_eq!(image::guess_format(&jpeg).ok(), Some(ImageFormat::Jpeg));
        let back = image::load_from_memory(&jpeg).expect("decodes");
        assert_eq!((back.width(), back.height()), (512, 256));
    }

    #[test]
    fn content_decides_the_type_not_the_name() {
        assert_eq!(normalise(b"GIF89a....").err(), Some(PhotoError::NotAnImage));
        assert_eq!(
            normalise(b"<svg></svg>").err(),
            Some(PhotoError::NotAnImage)
        );
        let mut truncated = png(10, 10);
        truncated.truncate(30);
        assert!(matches!(normalise(&truncated), Err(PhotoError::Corrupt(_))));
    }

    #[test]
    fn trailing_bytes_and_metadata_do_not_survive() {
        let mut with_tail = png(20, 20);
        with_tail.extend_from_slice(b"SECRET-GPS-47.1,8.5");
        let jpeg = normalise(&with_tail).expect("valid");
        assert!(!jpeg.windows(6).any(|w| w == b"SECRET"));
    }
}
