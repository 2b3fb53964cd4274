//! Caching and content negotiation headers for the served files. The shipped widget's files
//! carry a content hash in their names (`bgcheck.0123456789abcdef.wasm`), so a browser or an
//! ATS's CDN may keep them forever; every other file (the loader `pkg/embed.js`, `www/`, the
//! demo page) may change under the same name and is revalidated on each use.

use axum::extract::Request;
use axum::http::header::{CACHE_CONTROL, VARY};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

/// For files whose name holds their content hash: a year, and never revalidated.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// For everything else: kept, but checked (`If-Modified-Since`) before each use, so a new
/// release reaches pages at once.
pub const REVALIDATE: &str = "no-cache";

/// How many hex digits a content hash in a file name has (the build writes 16).
const HASH_DIGITS: usize = 16;

/// Whether the last segment of `path` names a content-hashed file: a dot-separated part of
/// exactly 16 lowercase hex digits between the stem and the extension.
pub fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or_default();
    let parts: Vec<&str> = name.split('.').collect();
    parts.len() >= 3
        && parts[1..parts.len() - 1].iter().any(|part| {
            part.len() == HASH_DIGITS
                && part
                    .bytes()
                    .all(|byte| byte.is_ascii_digit() || (b'a'..=b'f').contains(&byte))
        })
}

/// Adds `Cache-Control` to successful file answers and `Vary: Accept-Encoding` to all of
/// them: the same URL is answered with brotli, gzip or plain bytes depending on that header,
/// so a shared cache must key on it.
pub async fn headers(request: Request, next: Next) -> Response {
    let hashed = is_content_hashed(request.uri().path());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.append(VARY, HeaderValue::from_static("accept-encoding"));
    let status = response.status();
    if status.is_success() || status == StatusCode::NOT_MODIFIED {
        let policy = if hashed { IMMUTABLE } else { REVALIDATE };
        response
            .headers_mut()
            .insert(CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::is_content_hashed;

    #[test]
    fn only_names_with_a_sixteen_digit_hash_count_as_hashed() {
        for path in [
            "/pkg/bgcheck.0123456789abcdef.wasm",
            "/pkg/bgcheck-badges.fedcba9876543210.js",
        ] {
            assert!(is_content_hashed(path), "{path}");
        }
        for path in [
            "/pkg/embed.js",
            "/www/embed.js",
            "/pkg/bgcheck_bg.wasm",
            "/pkg/0123456789abcdef.js",
            "/pkg/bgcheck.0123456789ABCDEF.js",
            "/pkg/bgcheck.0123456789abcde.js",
            "/",
        ] {
            assert!(!is_content_hashed(path), "{path}");
        }
    }
}
