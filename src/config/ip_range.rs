//! `server.trusted_proxies` entries: an IP address or a CIDR range.

use std::{fmt, net::IpAddr, str::FromStr};

/// An IP address (`10.0.0.1`, `::1`) or a CIDR range (`10.0.0.0/8`,
/// `fd00::/8`). IPv4-mapped IPv6 addresses are read as IPv4.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpRange {
    network: IpAddr,
    prefix: u8,
}

impl IpRange {
    pub fn contains(&self, ip: IpAddr) -> bool {
        match (self.network, ip.to_canonical()) {
            (IpAddr::V4(net), IpAddr::V4(ip)) => {
                mask_v4(u32::from(ip), self.prefix) == u32::from(net)
            }
            (IpAddr::V6(net), IpAddr::V6(ip)) => {
                mask_v6(u128::from(ip), self.prefix) == u128::from(net)
            }
            _ => false,
        }
    }
}

fn mask_v4(bits: u32, prefix: u8) -> u32 {
    bits.checked_shl(32 - u32::from(prefix))
        .map_or(0, |_| bits & (u32::MAX << (32 - u32::from(prefix))))
}

fn mask_v6(bits: u128, prefix: u8) -> u128 {
    bits.checked_shl(128 - u32::from(prefix))
        .map_or(0, |_| bits & (u128::MAX << (128 - u32::from(prefix))))
}

impl FromStr for IpRange {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let (addr, prefix) = match s.split_once('/') {
            Some((addr, prefix)) => (addr, Some(prefix)),
            None => (s, None),
        };
        let ip = addr
            .parse::<IpAddr>()
            .map_err(|_| format!("{s:?} is not an IP address or CIDR range"))?
            .to_canonical();
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{s:?}: the prefix length must be 0 to {max}"))?,
        };
        let network = match ip {
            IpAddr::V4(v4) => IpAddr::V4(mask_v4(u32::from(v4), prefix).into()),
            IpAddr::V6(v6) => IpAddr::V6(mask_v6(u128::from(v6), prefix).into()),
        };
        Ok(Self { network, prefix })
    }
}

impl fmt::Display for IpRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.network, self.prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().expect("ip")
    }

    #[test]
    fn addresses_and_ranges_match_what_they_cover() {
        let one: IpRange = "127.0.0.1".parse().expect("ip");
        assert!(one.contains(ip("127.0.0.1")));
        assert!(one.contains(ip("::ffff:127.0.0.1")));
        assert!(!one.contains(ip("127.0.0.2")));
        let net: IpRange = "10.1.2.3/8".parse().expect("cidr");
        assert_eq!(net.to_string(), "10.0.0.0/8");
        assert!(net.contains(ip("10.200.0.1")));
        assert!(!net.contains(ip("11.0.0.1")));
        let all: IpRange = "0.0.0.0/0".parse().expect("all v4");
        assert!(all.contains(ip("8.8.8.8")));
        assert!(!all.contains(ip("::1")));
        let v6: IpRange = "fd00::/8".parse().expect("v6");
        assert!(v6.contains(ip("fd12::1")));
        assert!(!v6.contains(ip("fe80::1")));
    }

    #[test]
    fn garbage_and_bad_prefixes_are_refused() {
        for bad in ["proxy.local", "10.0.0.0/33", "::1/129", "10.0.0.0/x", ""] {
            assert!(bad.parse::<IpRange>().is_err(), "{bad}");
        }
    }
}
