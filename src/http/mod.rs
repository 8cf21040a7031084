//! The HTTP face: an axum [`Router`] over the engine, and the server loop.
//!
//! [`app`] builds the whole service (routes, and the tower layers of [`layers`]) so tests drive
//! it with `oneshot`; [`serve`] binds, refreshes the engine when a new index generation is
//! published, and runs the connection loop of [`server`] (timeouts, head size) until Ctrl-C or
//! SIGTERM, then shuts down gracefully.

pub mod api;
pub mod error;
pub mod layers;
pub mod openapi;
pub mod page;
pub mod server;
pub mod write;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::routing::get;

use crate::config::ServeConfig;
use crate::error::{Error, Result};
use crate::search::Engine;
use error::ApiError;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    /// The search core.
    pub engine: Arc<Engine>,
}

/// The whole HTTP service.
pub fn app(state: AppState, config: &ServeConfig) -> Router {
    let writes = config.write_token.is_some();
    let router = Router::new()
        .route("/", get(page::page))
        .route("/assets/style.css", get(page::style))
        .route("/assets/app.js", get(page::app_js))
        .route("/widget.js", get(page::widget_js))
        .route("/api/suggest", get(api::suggest))
        .route("/api/search", get(api::search))
        .route("/api/talks/{*id}", get(api::talk))
        .route("/healthz", get(api::health))
        .route("/api/openapi.json", get(move || async move { axum::Json(openapi::document_for(writes)) }))
        .merge(write::routes(config))
        .fallback(|| async { ApiError::no_route() })
        .with_state(state);
    layers::apply(router, config)
}

/// Threads for searches (and the other blocking work: warm-up, refresh, writes): twice the
/// cores, at least 4. tokio's default (512) lets a burst of connections each get a thread, which
/// on 2 cores only adds memory (every thread keeps its own analyzer caches and allocator
/// arena) and context switches: with wrk's 8 connections, 3,811-4,017 req/s and 108 MB peak RSS
/// with 512 threads against 4,331 req/s and 86 MB with 4 (BENCHMARKS.md). Work beyond them
/// waits in tokio's queue; `--max-concurrent` bounds the requests in flight.
fn blocking_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get());
    (2 * cores).max(4)
}

/// Serves until Ctrl-C or SIGTERM.
pub fn serve(engine: Engine, config: ServeConfig) -> Result<()> {
    config.validate()?;
    init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(blocking_threads())
        .enable_all()
        .build()
        .map_err(|e| Error::io("tokio runtime", e))?;
    runtime.block_on(async move {
        let listener =
            tokio::net::TcpListener::bind(config.addr).await.map_err(|e| Error::io(config.addr.to_string(), e))?;
        let engine = Arc::new(engine);
        tokio::spawn(watch_generations(Arc::clone(&engine)));
        let warm = Arc::clone(&engine);
        tokio::task::spawn_blocking(move || warm.warm_up());
        let talks = engine.num_talks();
        let router = app(AppState { engine }, &config);
        let bound = listener.local_addr().map_err(|e| Error::io(config.addr.to_string(), e))?;
        tracing::info!("serving {talks} talks on http://{bound}");
        eprintln!("talksearch: serving {talks} talks on http://{bound} (Ctrl-C to stop)");
        server::run(listener, router, &config, shutdown_signal()).await;
        Ok(())
    })
}

/// Switches the engine to a newly published index generation within a quarter second.
async fn watch_generations(engine: Arc<Engine>) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        let e = Arc::clone(&engine);
        match tokio::task::spawn_blocking(move || e.refresh()).await {
            Ok(Ok(true)) => tracing::info!("now serving the index's latest commit"),
            Ok(Ok(false)) => {}
            Ok(Err(err)) => tracing::warn!(error = %err, "could not open the newly published index"),
            Err(err) => tracing::warn!(error = %err, "index refresh task failed"),
        }
    }
}

fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,tower_http=info"));
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
