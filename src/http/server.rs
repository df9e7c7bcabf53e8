//! `HttpServer`: the HTTP adapter as the composition root sees it (bind,
//! port, run until a signal). The framework stays behind this type, so
//! nothing outside `http/` names poem.

use std::{future::Future, time::Duration};

use poem::{endpoint::BoxEndpoint, Server};

use super::{endpoint, HttpOptions, HttpServices, NoDelayAcceptor};

pub struct HttpServer {
    acceptor: NoDelayAcceptor,
    endpoint: BoxEndpoint<'static>,
    port: u16,
}

/// A bound listener, not serving yet: its port is known before the
/// routes are built (the identity emulator needs the server's address).
pub struct Bound {
    acceptor: NoDelayAcceptor,
    port: u16,
}

impl Bound {
    /// Binds `address` (port 0: any free port, see [`Bound::port`]).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn bind(address: &str) -> std::io::Result<Self> {
        let acceptor = NoDelayAcceptor::bind(address).await?;
        let port = acceptor.local_port();
        Ok(Self { acceptor, port })
    }

    /// The port bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Every route over `services`, on this listener.
    pub fn serve(self, services: HttpServices, options: &HttpOptions) -> HttpServer {
        HttpServer {
            endpoint: endpoint(services, options),
            acceptor: self.acceptor,
            port: self.port,
        }
    }
}

impl HttpServer {
    /// Builds every route over `services` and binds `address` (port 0: any
    /// free port, see [`HttpServer::port`]).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn bind(
        address: &str,
        services: HttpServices,
        options: &HttpOptions,
    ) -> std::io::Result<Self> {
        Ok(Bound::bind(address).await?.serve(services, options))
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Serves until `signal` completes, then stops accepting and lets the
    /// connections in flight finish for up to `grace`.
    ///
    /// # Errors
    /// On an I/O failure of the listener.
    pub async fn run_until(
        self,
        signal: impl Future<Output = ()>,
        grace: Duration,
    ) -> std::io::Result<()> {
        Server::new_with_acceptor(self.acceptor)
            .run_with_graceful_shutdown(self.endpoint, signal, Some(grace))
            .await
    }
}
