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

/// Threads for the blocking work (writes, warm-up, refresh): one a core, at least 2. Searches do
/// not run there (see [`async_threads`]).
fn blocking_threads() -> usize {
    cores().max(2)
}

/// Async worker threads: one a core. Each runs the requests it accepts from start to end, the
/// search included: a search takes microseconds to a few milliseconds, and handing it to a
/// blocking thread and its answer back cost two thread wake-ups a request. On 2 cores, wrk 1
/// thread / 8 connections, caches off, eight alternating pairs of 10 s runs (2026-11-26, a
/// host about half as fast as the earlier sessions'): topics mix 2,768-3,431 req/s handed off
/// (one worker, two blocking threads) against 2,953-4,783 req/s inline on two workers, +2% to
/// +55% a pair; typing mix -11% to +9% (four pairs); suggest +25% to +29%; topics with the
/// result cache on 17,152 / 17,366 against 19,179 / 22,559 req/s (BENCHMARKS.md, Threads).
fn async_threads() -> usize {
    cores()
}

fn cores() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Serves until Ctrl-C or SIGTERM.
pub fn serve(engine: Engine, config: ServeConfig) -> Result<()> {
    config.validate()?;
    init_tracing();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(async_threads())
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
