//! The `bgcheck` binary: the partner proxy with its embedded sandbox.

// Native: the proxy.
#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    use clap::Parser;
    tracing_subscriber::fmt()
        // stdout carries only the URL to open, so scripts can read it.
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "bgcheck=info,tower_http=info".into()),
        )
        .init();
    let config = bgcheck::proxy::Config::parse();
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("bgcheck: cannot start the async runtime: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    match runtime.block_on(bgcheck::proxy::serve(config)) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("bgcheck: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

// Browser: the widget's entry point is the library's `#[wasm_bindgen(start)]`; this binary
// exists only natively.
#[cfg(target_arch = "wasm32")]
fn main() {}
