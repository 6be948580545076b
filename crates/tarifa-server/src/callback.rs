//! Where the hubs may post events. A listener's callback is an address on
//! the public internet: loopback, private, link-local (the cloud metadata
//! service at 169.254.169.254 among them), shared, multicast and reserved
//! addresses are refused — at registration and again before every delivery,
//! since a name may resolve elsewhere later — unless the operator's
//! allow-list names the host, the address or its network.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use axum::http::Uri;

/// One entry of the operator's allow-list.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Allowed {
    /// A host name (lower case), on any port.
    Host(String),
    /// An address or a network: the address and its prefix length.
    Network(IpAddr, u8),
}

/// The callbacks hubs may post to.
#[derive(Clone, Debug, Default)]
pub struct CallbackPolicy {
    allowed: Vec<Allowed>,
}

impl CallbackPolicy {
    /// A policy allowing, beyond public addresses, the hosts, addresses and
    /// networks (`10.1.0.0/16`) listed.
    pub fn new<S: AsRef<str>>(allowed: &[S]) -> Result<Self, String> {
        let allowed = allowed
            .iter()
            .map(|entry| parse_entry(entry.as_ref().trim()))
            .collect::<Result<_, _>>()?;
        Ok(Self { allowed })
    }

    fn allows_host(&self, host: &str) -> bool {
        let host = host.to_ascii_lowercase();
        self.allowed
            .iter()
            .any(|a| matches!(a, Allowed::Host(h) if *h == host))
    }

    fn allows_address(&self, ip: IpAddr) -> bool {
        self.allowed.iter().any(|a| match a {
            Allowed::Network(network, prefix) => in_network(ip, *network, *prefix),
            Allowed::Host(_) => false,
        })
    }

    /// Checks a callback URL's form: http or https, a host, no credentials.
    pub fn check_form(callback: &str) -> Result<(Uri, String, u16), String> {
        let uri: Uri = callback.parse().map_err(|_| "not a URL".to_owned())?;
        let port = match uri.scheme_str() {
            Some("http") => 80,
            Some("https") => 443,
            _ => return Err("an http or https URL is required".to_owned()),
        };
        let authority = uri
            .authority()
            .ok_or_else(|| "an http or https URL is required".to_owned())?;
        if authority.as_str().contains('@') {
            return Err("a callback carries no user name or password".to_owned());
        }
        let host = authority
            .host()
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        if host.is_empty() {
            return Err("the URL names no host".to_owned());
        }
        let port = authority.port_u16().unwrap_or(port);
        Ok((uri, host, port))
    }

    /// Whether events may be posted to `callback`: its host resolves only to
    /// addresses that are public or allowed. `Err` says why not.
    pub async fn check(&self, callback: &str) -> Result<(), String> {
        let (_, host, port) = Self::check_form(callback)?;
        if self.allows_host(&host) {
            return Ok(());
        }
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => tokio::net::lookup_host((host.as_str(), port))
                .await
                .map_err(|e| format!("{host} does not resolve: {e}"))?
                .collect(),
        };
        if addresses.is_empty() {
            return Err(format!("{host} does not resolve"));
        }
        for address in addresses {
            let ip = address.ip();
            if !is_public(ip) && !self.allows_address(ip) {
                return Err(format!(
                    "{host} is {ip}, a loopback, private, link-local or reserved address; \
                     the operator's allow-list (serve --hub-allow) must name it"
                ));
            }
        }
        Ok(())
    }
}

fn parse_entry(entry: &str) -> Result<Allowed, String> {
    if let Some((address, prefix)) = entry.split_once('/') {
        let ip: IpAddr = address
            .parse()
            .map_err(|_| format!("{entry:?}: not an address/prefix"))?;
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix: u8 = prefix
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or_else(|| format!("{entry:?}: the prefix is 0 to {max}"))?;
        return Ok(Allowed::Network(ip, prefix));
    }
    let bare = entry.trim_start_matches('[').trim_end_matches(']');
    if let Ok(ip) = bare.parse::<IpAddr>() {
        return Ok(Allowed::Network(ip, if ip.is_ipv4() { 32 } else { 128 }));
    }
    if entry.is_empty()
        || entry.len() > 253
        || !entry
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
    {
        return Err(format!(
            "{entry:?}: neither a host name, an address nor a network"
        ));
    }
    Ok(Allowed::Host(entry.to_ascii_lowercase()))
}

fn in_network(ip: IpAddr, network: IpAddr, prefix: u8) -> bool {
    match (canonical(ip), canonical(network)) {
        (IpAddr::V4(ip), IpAddr::V4(network)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
            u32::from(ip) & mask == u32::from(network) & mask
        }
        (IpAddr::V6(ip), IpAddr::V6(network)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
            u128::from(ip) & mask == u128::from(network) & mask
        }
        _ => false,
    }
}

/// An IPv4 address written as IPv6 (`::ffff:127.0.0.1`) is that IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match canonical(ip) {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let blocked: [(Ipv4Addr, u8); 15] = [
        (Ipv4Addr::new(0, 0, 0, 0), 8),       // "this" network
        (Ipv4Addr::new(10, 0, 0, 0), 8),      // private
        (Ipv4Addr::new(100, 64, 0, 0), 10),   // shared (carrier-grade NAT)
        (Ipv4Addr::new(127, 0, 0, 0), 8),     // loopback
        (Ipv4Addr::new(169, 254, 0, 0), 16),  // link-local, cloud metadata
        (Ipv4Addr::new(172, 16, 0, 0), 12),   // private
        (Ipv4Addr::new(192, 0, 0, 0), 24),    // protocol assignments
        (Ipv4Addr::new(192, 0, 2, 0), 24),    // documentation
        (Ipv4Addr::new(192, 88, 99, 0), 24),  // 6to4 relay
        (Ipv4Addr::new(192, 168, 0, 0), 16),  // private
        (Ipv4Addr::new(198, 18, 0, 0), 15),   // benchmarking
        (Ipv4Addr::new(198, 51, 100, 0), 24), // documentation
        (Ipv4Addr::new(203, 0, 113, 0), 24),  // documentation
        (Ipv4Addr::new(224, 0, 0, 0), 4),     // multicast
        (Ipv4Addr::new(240, 0, 0, 0), 4),     // reserved, broadcast
    ];
    !blocked
        .iter()
        .any(|(network, prefix)| in_network(IpAddr::V4(ip), IpAddr::V4(*network), *prefix))
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    // NAT64 (64:ff9b::/96) carries an IPv4 address: judge that one.
    if in_network(
        IpAddr::V6(ip),
        IpAddr::V6(Ipv6Addr::new(0x64, 0xff9b, 0, 0, 0, 0, 0, 0)),
        96,
    ) {
        let [.., a, b, c, d] = ip.octets();
        return is_public_v4(Ipv4Addr::new(a, b, c, d));
    }
    let blocked: [(Ipv6Addr, u8); 8] = [
        (Ipv6Addr::UNSPECIFIED, 128),
        (Ipv6Addr::LOCALHOST, 128),
        (Ipv6Addr::new(0, 0, 0, 0, 0, 0, 0, 0), 96), // IPv4-compatible, deprecated
        (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64), // discard
        (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32), // documentation
        (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7), // unique local
        (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10), // link-local
        (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8), // multicast
    ];
    !blocked
        .iter()
        .any(|(network, prefix)| in_network(IpAddr::V6(ip), IpAddr::V6(*network), *prefix))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn public(text: &str) -> bool {
        is_public(text.parse().expect("an address"))
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for internal in [
            "127.0.0.1",
            "127.8.9.10",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "64:ff9b::a9fe:a9fe",
        ] {
            assert!(!public(internal), "{internal}");
        }
        for outside in [
            "8.8.8.8",
            "172.32.0.1",
            "193.2.1.66",
            "2a00:1450:4001:80b::200e",
            "::ffff:8.8.8.8",
        ] {
            assert!(public(outside), "{outside}");
        }
    }

    #[tokio::test]
    async fn the_allow_list_names_hosts_addresses_and_networks() {
        let strict = CallbackPolicy::default();
        assert!(strict.check("http://127.0.0.1:9/hook").await.is_err());
        assert!(strict.check("http://[::1]:9/hook").await.is_err());
        assert!(
            strict
                .check("http://169.254.169.254/latest/meta-data")
                .await
                .is_err()
        );
        assert!(strict.check("http://localhost:9/hook").await.is_err());
        assert!(strict.check("ftp://8.8.8.8/").await.is_err());
        assert!(strict.check("http://user:pw@8.8.8.8/").await.is_err());
        assert!(strict.check("http://8.8.8.8/hook").await.is_ok());

        let allowing = CallbackPolicy::new(&["127.0.0.1", "10.20.0.0/16", "crm.internal"])
            .expect("a valid list");
        assert!(allowing.check("http://127.0.0.1:9/hook").await.is_ok());
        assert!(allowing.check("http://10.20.3.4/hook").await.is_ok());
        assert!(allowing.check("http://10.21.3.4/hook").await.is_err());
        assert!(allowing.check("https://CRM.internal/hook").await.is_ok());
        assert!(CallbackPolicy::new(&["10.0.0.0/33"]).is_err());
        assert!(CallbackPolicy::new(&["bad host!"]).is_err());
    }
}
