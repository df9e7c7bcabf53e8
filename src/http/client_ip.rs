//! The client IP the brute-force protection counts against.
//!
//! It is the socket peer's address, unless that peer is one of
//! `server.trusted_proxies`: then `X-Forwarded-For` is read from the right
//! (the entry the nearest proxy appended) leftwards, skipping entries that
//! are themselves trusted proxies, and the first untrusted entry is the
//! client. Everything left of it could have been written by the client, so
//! it is never believed. A malformed entry met before an untrusted one
//! stops the walk and the last trusted hop is used; a header of trusted
//! proxies only yields its left-most entry.

use std::net::IpAddr;

use nextarget_ports::ClientInfo;
use poem::{FromRequest, Request, RequestBody};

use ipnet::IpNet;

/// The parsed `server.trusted_proxies`, put in the request data.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(pub Vec<IpNet>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client of a request from `peer` carrying `forwarded_for` (every
    /// `X-Forwarded-For` value, in order).
    pub fn client_ip(&self, peer: Option<IpAddr>, forwarded_for: &[&str]) -> Option<IpAddr> {
        let mut client = peer?.to_canonical();
        if !self.trusts(client) {
            return Some(client);
        }
        let entries = forwarded_for
            .iter()
            .flat_map(|value| value.split(','))
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .collect::<Vec<_>>();
        for entry in entries.iter().rev() {
            let Ok(ip) = entry.parse::<IpAddr>() else {
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        Some(client)
    }
}

/// The request's client IP, as a handler argument.
#[derive(Debug, Clone, Copy)]
pub struct ClientIp(pub Option<IpAddr>);

impl<'a> FromRequest<'a> for ClientIp {
    async fn from_request(req: &'a Request, _body: &mut RequestBody) -> poem::Result<Self> {
        let peer = req.remote_addr().as_socket_addr().map(|addr| addr.ip());
        let forwarded: Vec<&str> = req
            .headers()
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        let ip = match req.data::<TrustedProxies>() {
            Some(proxies) => proxies.client_ip(peer, &forwarded),
            None => peer,
        };
        Ok(ClientIp(ip))
    }
}

/// The request's client as a session records it: its IP (as
/// [`ClientIp`]) and its `User-Agent`.
#[derive(Debug, Clone)]
pub struct Client(pub ClientInfo);

impl<'a> FromRequest<'a> for Client {
    async fn from_request(req: &'a Request, body: &mut RequestBody) -> poem::Result<Self> {
        let ClientIp(ip) = ClientIp::from_request(req, body).await?;
        let user_agent = req
            .headers()
            .get(poem::http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok());
        Ok(Client(ClientInfo::new(ip, user_agent)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        let net = |p: &str| {
            p.parse::<IpNet>()
                .or_else(|_| p.parse::<IpAddr>().map(IpNet::from))
                .expect("range")
        };
        TrustedProxies(list.iter().map(|p| net(p)).collect())
    }

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().expect("ip"))
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_forwards() {
        let none = proxies(&[]);
        assert_eq!(
            none.client_ip(ip("203.0.113.9"), &["1.2.3.4"]),
            ip("203.0.113.9")
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_entry_is_the_client() {
        let lb = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        let peer = ip("::ffff:127.0.0.1");
        assert_eq!(
            lb.client_ip(peer, &["6.6.6.6, 198.51.100.7", "10.0.0.2"]),
            ip("198.51.100.7")
        );
        assert_eq!(lb.client_ip(peer, &[]), ip("127.0.0.1"));
        assert_eq!(lb.client_ip(peer, &["10.0.0.3"]), ip("10.0.0.3"));
        assert_eq!(
            lb.client_ip(peer, &["198.51.100.7, garbage, 10.0.0.3"]),
            ip("10.0.0.3")
        );
    }
}
