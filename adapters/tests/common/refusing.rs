//! An address that refuses connections for as long as the test holds it: a
//! socket bound to a port the kernel picked, never listening. Unlike binding
//! port 0, reading the port and dropping the listener, nothing else can take
//! the port in between (and answer). Included by the adapter tests and by
//! `tests/common`.
#![allow(dead_code)]

use tokio::net::TcpSocket;

pub struct Refusing {
    _socket: TcpSocket,
    pub port: u16,
}

impl Refusing {
    pub fn new() -> Self {
        let socket = TcpSocket::new_v4().expect("socket");
        socket
            .bind(([127, 0, 0, 1], 0).into())
            .expect("bind a port");
        let port = socket.local_addr().expect("bound address").port();
        Self {
            _socket: socket,
            port,
        }
    }

    /// `http://127.0.0.1:<port>`, or another scheme's URL.
    pub fn url(&self, scheme: &str) -> String {
        format!("{scheme}://127.0.0.1:{}", self.port)
    }
}
