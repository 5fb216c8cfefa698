//! Builds the HTTP server around a [`Platform`] and starts the background
//! work every process needs (database bootstrap, metrics upkeep).

use actix_web::HttpServer;
use actix_web::dev::{Server, ServerHandle};
use berth_platform::Platform;
use std::net::TcpListener;
use std::time::Duration;
use tokio::task::JoinHandle;

use crate::{app, tls};

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: String,
        #[source]
        source: std::io::Error,
    },
    #[error("invalid TLS material in {path}: {reason}")]
    Tls { path: String, reason: String },
}

/// A server bound to its port, not yet serving.
pub struct Application {
    server: Server,
    port: u16,
    background: Vec<JoinHandle<()>>,
    /// Finishes once the workers (and their queues) are gone.
    pull_writer: JoinHandle<()>,
}

impl Application {
    /// Binds the configured address.
    pub fn build(platform: Platform) -> Result<Self, StartupError> {
        let addr = platform.config().http_addr;
        let listener = TcpListener::bind(addr).map_err(|source| StartupError::Bind {
            addr: addr.to_string(),
            source,
        })?;
        Self::build_with_listener(platform, listener)
    }

    /// Serves on a listener the caller bound (tests bind port 0). Must be
    /// called inside a tokio runtime.
    pub fn build_with_listener(
        platform: Platform,
        listener: TcpListener,
    ) -> Result<Self, StartupError> {
        let local = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: "listener".into(),
            source,
        })?;
        let config = platform.config().clone();
        let auth = berth_auth::Auth::new(platform.clone());
        let background = vec![
            tokio::spawn({
                let platform = platform.clone();
                let auth = auth.clone();
                async move {
                    platform.bootstrap_database().await;
                    ensure_admin(&auth).await;
                    platform.mark_started();
                    tracing::info!("berth is ready");
                }
            }),
            tokio::spawn(metrics_upkeep()),
            tokio::spawn(berth_registry::purge::run(platform.clone())),
            tokio::spawn(berth_core::retention::run(platform.clone())),
        ];

        let (pulls, pull_writer) = berth_registry::PullLog::start(platform.db().clone());
        let resolutions = berth_registry::Resolutions::new();
        let mut background = background;
        background.push(tokio::spawn(
            resolutions.clone().listen(platform.db().clone()),
        ));
        let factory_platform = platform.clone();
        let server = HttpServer::new(move || {
            app::build(
                factory_platform.clone(),
                auth.clone(),
                pulls.clone(),
                resolutions.clone(),
            )
        })
        .shutdown_timeout(config.shutdown_timeout.as_secs())
        .client_request_timeout(config.header_timeout);
        let bind_error = |source| StartupError::Bind {
            addr: local.to_string(),
            source,
        };
        let (server, scheme) = match &config.tls {
            Some(tls_config) => {
                let rustls_config = tls::server_config(tls_config)?;
                (
                    server
                        .listen_rustls_0_23(listener, rustls_config)
                        .map_err(bind_error)?,
                    "https",
                )
            }
            None => (server.listen(listener).map_err(bind_error)?, "http"),
        };
        tracing::info!(
            listen = %format!("{scheme}://{local}"),
            external_url = %config.external_url,
            services = %config.services,
            storage = platform.storage().description(),
            "berth is listening"
        );
        Ok(Self {
            server: server.run(),
            port: local.port(),
            background,
            pull_writer,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server from another task; `graceful` lets in-flight requests
    /// finish within the configured shutdown timeout.
    pub fn handle(&self) -> ServerHandle {
        self.server.handle()
    }

    /// Serves until the server is stopped by SIGINT/SIGTERM or its handle.
    /// In-flight requests are drained before this returns.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let result = self.server.await;
        for task in self.background {
            task.abort();
        }
        // Pull records still queued are written before the process exits.
        if tokio::time::timeout(Duration::from_secs(10), self.pull_writer)
            .await
            .is_err()
        {
            tracing::warn!("pull records were still being written at shutdown");
        }
        tracing::info!("berth stopped");
        result
    }
}

/// Creates the first administrator, retrying while the database blinks.
async fn ensure_admin(auth: &berth_auth::Auth) {
    let mut delay = Duration::from_millis(250);
    while let Err(err) = berth_auth::bootstrap::ensure_admin(auth).await {
        tracing::warn!(error = %err, retry_in_ms = delay.as_millis() as u64, "creating the administrator failed; retrying");
        tokio::time::sleep(delay).await;
        delay = (delay * 2).min(Duration::from_secs(30));
    }
}

/// Histograms keep a rolling window that has to be advanced.
async fn metrics_upkeep() {
    let handle = berth_platform::metrics::prometheus();
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        handle.run_upkeep();
    }
}
