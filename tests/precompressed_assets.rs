//! The widget's files as a browser receives them: the pre-compressed twin the build wrote,
//! chosen by `Accept-Encoding`, with headers that let caches keep hashed files forever and
//! make them revalidate everything else. Real files in a temporary static dir, real HTTP.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bgcheck::proxy::checkr::ClientPolicy;
use bgcheck::proxy::{Config, Running, start_with_policy};

const WASM: &str = "pkg/bgcheck.0123456789abcdef.wasm";
const WASM_BYTES: &[u8] = b"\0asm plain bytes";
const WASM_BR: &[u8] = b"brotli bytes";
const WASM_GZ: &[u8] = b"gzip bytes";

/// A static dir laid out as the shipped build leaves `pkg/`: a hashed wasm with both twins,
/// the unhashed loader with only a gzip twin.
fn shipped_static_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let write = |path: &str, bytes: &[u8]| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    };
    write(WASM, WASM_BYTES);
    write(&format!("{WASM}.br"), WASM_BR);
    write(&format!("{WASM}.gz"), WASM_GZ);
    write("pkg/embed.js", b"export {};");
    write("pkg/embed.js.gz", b"gzipped loader");
    write("www/embed.js", b"export * from '../pkg/embed.js';");
    dir
}

async fn serve(statics: &tempfile::TempDir) -> (Running, tempfile::TempDir) {
    let data = tempfile::tempdir().unwrap();
    let mut config = Config::for_data_dir(data.path());
    config.static_dir = statics.path().to_path_buf();
    let running = start_with_policy(config, ClientPolicy::default())
        .await
        .unwrap();
    (running, data)
}

struct Answer {
    status: u16,
    encoding: Option<String>,
    vary: Option<String>,
    cache: Option<String>,
    content_type: Option<String>,
    body: Vec<u8>,
}

async fn get(running: &Running, path: &str, accept_encoding: Option<&str>) -> Answer {
    // reqwest is built without decompression here, so the body is the bytes on the wire.
    let mut request = reqwest::Client::new().get(format!("http://{}{path}", running.address));
    if let Some(accepted) = accept_encoding {
        request = request.header("accept-encoding", accepted);
    }
    let response = request.send().await.unwrap();
    let header = |name: &str| {
        response
            .headers()
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap().to_owned())
            .reduce(|all, one| format!("{all}, {one}"))
    };
    Answer {
        status: response.status().as_u16(),
        encoding: header("content-encoding"),
        vary: header("vary"),
        cache: header("cache-control"),
        content_type: header("content-type"),
        body: response.bytes().await.unwrap().to_vec(),
    }
}

#[tokio::test]
async fn a_browser_accepting_brotli_gets_the_brotli_file_cached_for_a_year() {
    let statics = shipped_static_dir();
    let (running, _data) = serve(&statics).await;
    let answer = get(
        &running,
        &format!("/{WASM}"),
        Some("gzip, deflate, br, zstd"),
    )
    .await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.encoding.as_deref(), Some("br"));
    assert_eq!(answer.body, WASM_BR);
    // The browser compiles by type: the compressed twin keeps the original's.
    assert_eq!(answer.content_type.as_deref(), Some("application/wasm"));
    assert!(answer.vary.unwrap().contains("accept-encoding"));
    assert_eq!(
        answer.cache.as_deref(),
        Some("public, max-age=31536000, immutable")
    );
}

#[tokio::test]
async fn a_browser_without_brotli_gets_the_gzip_file() {
    let statics = shipped_static_dir();
    let (running, _data) = serve(&statics).await;
    for accepted in ["gzip", "gzip, br;q=0"] {
        let answer = get(&running, &format!("/{WASM}"), Some(accepted)).await;
        assert_eq!(answer.encoding.as_deref(), Some("gzip"), "{accepted}");
        assert_eq!(answer.body, WASM_GZ, "{accepted}");
        assert!(answer.vary.unwrap().contains("accept-encoding"));
    }
}

#[tokio::test]
async fn a_client_accepting_no_encoding_gets_the_plain_file_and_the_same_vary() {
    let statics = shipped_static_dir();
    let (running, _data) = serve(&statics).await;
    for accepted in [None, Some("identity")] {
        let answer = get(&running, &format!("/{WASM}"), accepted).await;
        assert_eq!(answer.status, 200);
        assert_eq!(answer.encoding, None, "{accepted:?}");
        assert_eq!(answer.body, WASM_BYTES, "{accepted:?}");
        // A shared cache that stored this must not hand it to a brotli client, nor the reverse.
        assert!(answer.vary.unwrap().contains("accept-encoding"));
    }
}

#[tokio::test]
async fn the_unhashed_loader_is_revalidated_and_a_missing_twin_falls_back() {
    let statics = shipped_static_dir();
    let (running, _data) = serve(&statics).await;
    // Only a gzip twin exists: a brotli-first browser gets gzip, not an error.
    let loader = get(&running, "/pkg/embed.js", Some("br, gzip")).await;
    assert_eq!(loader.status, 200);
    assert_eq!(loader.encoding.as_deref(), Some("gzip"));
    assert_eq!(loader.body, b"gzipped loader");
    assert_eq!(loader.cache.as_deref(), Some("no-cache"));
    // No twin at all: plain bytes.
    let old_tag = get(&running, "/www/embed.js", Some("br, gzip")).await;
    assert_eq!(old_tag.encoding, None);
    assert_eq!(old_tag.body, b"export * from '../pkg/embed.js';");
    assert_eq!(old_tag.cache.as_deref(), Some("no-cache"));
}

#[tokio::test]
async fn a_missing_hashed_file_is_not_cached_forever() {
    let statics = shipped_static_dir();
    let (running, _data) = serve(&statics).await;
    let answer = get(&running, "/pkg/bgcheck.fedcba9876543210.wasm", Some("br")).await;
    assert_eq!(answer.status, 404);
    assert!(
        !answer.cache.unwrap_or_default().contains("immutable"),
        "a 404 kept for a year would outlive the deploy that adds the file"
    );
}
