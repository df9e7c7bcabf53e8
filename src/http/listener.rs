//! A TCP acceptor that sets TCP_NODELAY on every connection: without it
//! Nagle's algorithm and delayed ACKs add ~40 ms to small responses.

use poem::{
    http::uri::Scheme,
    listener::Acceptor,
    web::{LocalAddr, RemoteAddr},
};
use tokio::net::{TcpListener, TcpStream};

pub struct NoDelayAcceptor {
    listener: TcpListener,
    local_addr: LocalAddr,
}

impl NoDelayAcceptor {
    /// Binds `addr` (port 0: any free port).
    ///
    /// # Errors
    /// When the address cannot be bound.
    pub async fn bind(addr: &str) -> std::io::Result<Self> {
        let listener = TcpListener::bind(addr).await?;
        let local_addr = LocalAddr(listener.local_addr()?.into());
        Ok(Self {
            listener,
            local_addr,
        })
    }

    pub fn local_port(&self) -> u16 {
        self.local_addr
            .as_socket_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }
}

impl Acceptor for NoDelayAcceptor {
    type Io = TcpStream;

    fn local_addr(&self) -> Vec<LocalAddr> {
        vec![self.local_addr.clone()]
    }

    async fn accept(&mut self) -> std::io::Result<(Self::Io, LocalAddr, RemoteAddr, Scheme)> {
        let (stream, addr) = self.listener.accept().await?;
        // Best effort: a socket that refuses the option still works.
        let _ = stream.set_nodelay(true);
        Ok((
            stream,
            self.local_addr.clone(),
            RemoteAddr(addr.into()),
            Scheme::HTTP,
        ))
    }
}
