//! The HTTP face: an axum [`Router`] over the engine, and the server loop.
//!
//! [`app`] builds the whole service (routes and tower layers) so tests drive it with `oneshot`;
//! [`serve`] binds, refreshes the engine when a new index generation is published, and shuts
//! down gracefully on Ctrl-C or SIGTERM.

pub mod api;
pub mod error;
pub mod openapi;
pub mod page;
pub mod write;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

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

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// The whole HTTP service.
pub fn app(state: AppState, config: &ServeConfig) -> Router {
    let security = [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "no-referrer"),
        (header::X_FRAME_OPTIONS, "DENY"),
    ];
    let writes = config.write_token.is_some();
    let mut router = Router::new()
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
        .with_state(state)
        .layer(CompressionLayer::new())
        .layer(TimeoutLayer::with_status_code(StatusCode::SERVICE_UNAVAILABLE, config.timeout()))
        .layer(CatchPanicLayer::custom(|_| {
            axum::response::IntoResponse::into_response(ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "internal error",
            ))
        }));
    if !config.cors_origins.is_empty() {
        let origins: Vec<HeaderValue> =
            config.cors_origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()).collect();
        router = router.layer(
            CorsLayer::new()
                .allow_origin(AllowOrigin::list(origins))
                .allow_methods([Method::GET])
                .max_age(Duration::from_secs(3600)),
        );
    }
    for (name, value) in security {
        router = router.layer(SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value)));
    }
    router.layer(TraceLayer::new_for_http())
}

/// Serves until Ctrl-C or SIGTERM.
pub fn serve(engine: Engine, config: ServeConfig) -> Result<()> {
    init_tracing();
    let runtime =
        tokio::runtime::Builder::new_multi_thread().enable_all().build().map_err(|e| Error::io("tokio runtime", e))?;
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
        axum::serve(listener, router)
            .with_graceful_shutdown(shutdown_signal())
            .await
            .map_err(|e| Error::io(config.addr.to_string(), e))
    })
}

/// Switches the engine to a newly published index generation within a quarter second.
async fn watch_generations(engine: Arc<Engine>) {
    let mut tick = tokio::time::interval(Duration::from_millis(250));
    loop {
        tick.tick().await;
        let e = Arc::clone(&engine);
        match tokio::task::spawn_blocking(move || e.refresh()).await {
            Ok(Ok(true)) => tracing::info!("switched to a newly published index"),
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
