//! The files a browser needs, and nothing else: the widget (`pkg/`), its loader and styles
//! (`www/`), and the demo ATS page (`index.html`) when it is asked for. Everything else in the
//! static dir — sources, keys, a database, `.git` — is never reachable, whatever the path.
//! A file with a `.br` or `.gz` twin is sent compressed to browsers that accept it; caching
//! headers come from [`asset_cache`].

use std::path::Path;

use axum::Router;
use axum::extract::Request;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use tower_http::services::{ServeDir, ServeFile};

use super::error::ApiError;
use super::{AppState, asset_cache};

/// The folders of the static dir that are served, each at its own name.
pub const SERVED_FOLDERS: [&str; 2] = ["www", "pkg"];

/// Routes for the allow-listed files under `static_dir`; `/` and `/index.html` serve the demo
/// page only when `demo_page` is set.
pub fn routes(static_dir: &Path, demo_page: bool) -> Router<AppState> {
    let mut router = Router::new();
    for folder in SERVED_FOLDERS {
        router = router.nest_service(
            &format!("/{folder}"),
            // The shipped build writes `.br` and `.gz` beside each file the browser loads.
            ServeDir::new(static_dir.join(folder))
                .append_index_html_on_directories(false)
                .precompressed_br()
                .precompressed_gzip(),
        );
    }
    if demo_page {
        let page = ServeFile::new(static_dir.join("index.html"));
        router = router
            .route_service("/", page.clone())
            .route_service("/index.html", page);
    }
    router
        .layer(middleware::from_fn(asset_cache::headers))
        .layer(middleware::from_fn(refuse_hidden))
}

/// Whether any segment of `path` is hidden (starts with a dot), also when percent-encoded.
fn names_hidden_file(path: &str) -> bool {
    path.split('/').any(|segment| {
        let lower = segment.to_ascii_lowercase();
        lower.starts_with('.') || lower.starts_with("%2e")
    })
}

async fn refuse_hidden(request: Request, next: Next) -> Response {
    if names_hidden_file(request.uri().path()) {
        return ApiError::NotFound("page").into_response();
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::names_hidden_file;

    #[test]
    fn dot_segments_are_hidden_in_any_spelling() {
        for path in [
            "/www/.env",
            "/pkg/.git/config",
            "/www/%2egit",
            "/www/%2Ehtaccess",
            "/www/../x",
        ] {
            assert!(names_hidden_file(path), "{path}");
        }
        for path in ["/www/embed.js", "/pkg/bgcheck_bg.wasm", "/"] {
            assert!(!names_hidden_file(path), "{path}");
        }
    }
}
