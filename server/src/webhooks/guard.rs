//! Where webhooks may go. Without `--allow-private-webhooks` a URL must be
//! `https` and every address it reaches must be public: the check runs when
//! an endpoint is saved and again inside the delivery client's resolver, so
//! a name that later resolves to a private address (DNS rebinding) is
//! refused at the attempt, and the address checked is the address used.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::Url;

/// Public unicast addresses only: no loopback, private, link-local,
/// shared (CGNAT), unspecified, multicast, broadcast, documentation or
/// reserved ranges; IPv4-mapped IPv6 is judged as the IPv4 it maps.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public_v4(v4);
            }
            is_public_v6(v6)
        }
    }
}

fn is_public_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_loopback()
        || ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b))
        || (a == 192 && b == 0 && c == 0)
        || (a == 198 && (18..20).contains(&b))
        || a >= 240)
}

fn is_public_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    !(ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        || (first & 0xfe00) == 0xfc00 // unique local
        || (first & 0xffc0) == 0xfe80 // link-local
        || first == 0x2001 && ip.segments()[1] == 0x0db8) // documentation
}

/// Checks a URL as an endpoint is saved: its form, its scheme, and (without
/// the allow flag) that its host resolves to public addresses only.
pub async fn check_url(raw: &str, allow_private: bool) -> Result<Url, String> {
    // The URL parser silently drops tabs and line breaks (WHATWG); a URL
    // that holds them (or any control character, or a space) was not meant
    // as one, and is refused rather than stored changed.
    if raw.chars().any(|c| c.is_control() || c == ' ') {
        return Err("must not contain spaces or control characters (CR, LF, tab)".into());
    }
    let url = Url::parse(raw).map_err(|e| format!("is not a valid URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        "http" => return Err("must use https".into()),
        other => return Err(format!("scheme `{other}` is not allowed; use https")),
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("must not carry credentials; authenticate with the signature".into());
    }
    let host = url.host_str().ok_or("has no host")?.to_owned();
    if allow_private {
        return Ok(url);
    }
    let port = url.port_or_known_default().unwrap_or(443);
    let host = host.trim_start_matches('[').trim_end_matches(']').to_owned();
    let addrs: Vec<SocketAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![SocketAddr::new(ip, port)],
        Err(_) => tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|_| format!("host `{host}` does not resolve"))?
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("host `{host}` does not resolve"));
    }
    if let Some(bad) = addrs.iter().find(|a| !is_public(a.ip())) {
        return Err(format!("resolves to {}, a private, loopback or link-local address", bad.ip()));
    }
    Ok(url)
}

/// The delivery client's resolver: drops every non-public address, and
/// fails when none is left, so a connection only ever goes to a checked
/// address.
#[derive(Debug, Clone)]
pub struct PublicOnlyResolver;

impl Resolve for PublicOnlyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((name.as_str(), 0)).await?.filter(|a| is_public(a.ip())).collect();
            if found.is_empty() {
                return Err(format!("blocked_address: `{}` resolves to no public address", name.as_str()).into());
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

/// An IP-literal host bypasses resolvers, so attempts check it here.
pub fn literal_host_allowed(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => is_public(IpAddr::V6(ip)),
        _ => true,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn private_and_special_ranges_are_refused() {
        for ip in ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "100.64.0.1", "::1", "fe80::1", "fd00::1", "::ffff:127.0.0.1", "224.0.0.1", "255.255.255.255"] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "1.1.1.1", "2606:4700:4700::1111"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn urls_are_checked_for_scheme_and_address() {
        assert!(check_url("http://example.org/x", false).await.unwrap_err().contains("https"));
        assert!(check_url("https://127.0.0.1/x", false).await.unwrap_err().contains("private"));
        assert!(check_url("https://[::1]:8443/x", false).await.unwrap_err().contains("private"));
        assert!(check_url("https://localhost/x", false).await.is_err());
        assert!(check_url("ftp://example.org/x", false).await.is_err());
        assert!(check_url("https://user:pw@example.org/x", false).await.is_err());
        assert!(check_url("http://127.0.0.1:9/x", true).await.is_ok());
    }
}
