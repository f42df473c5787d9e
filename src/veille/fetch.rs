//! The veille's fetcher: reads a page or a feed for the group, and nothing else. Only http and
//! https; every address a name resolves to is checked (private, loopback, link-local and other
//! special ranges are refused unless the configuration allows them) and the connection is pinned
//! to the checked address; redirects are followed by hand, a bounded number of times, each one
//! checked again; the body is read up to a size limit, within a time limit; at most two fetches
//! run at once per host. What is fetched is only parsed, never run.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use tokio::sync::Semaphore;

use crate::config::Config;

pub const MAX_REDIRECTS: usize = 5;
const PER_HOST: usize = 2;
const USER_AGENT: &str = "Acunum-veille/1.0 (+https://acunum.fr)";

#[derive(Clone, Debug)]
pub struct Fetched {
    /// The address of the document after redirects.
    pub url: url::Url,
    pub not_modified: bool,
    pub content_type: String,
    pub body: Vec<u8>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
}

/// Why a fetch failed, in French for the page.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchError(pub String);

impl std::fmt::Display for FetchError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn err(m: impl Into<String>) -> FetchError {
    FetchError(m.into())
}

#[derive(Clone, Debug)]
pub struct Fetcher {
    pub allow_private: bool,
    pub max_bytes: usize,
    pub timeout: Duration,
}

impl Fetcher {
    pub fn from_config(c: &Config) -> Fetcher {
        Fetcher {
            allow_private: c.fetch_allow_private,
            max_bytes: c.fetch_max_bytes,
            timeout: Duration::from_secs(c.fetch_timeout_seconds.max(1)),
        }
    }
}

/// The IPv4 ranges of IANA's "IPv4 Special-Purpose Address Registry" (RFC 6890 and its updates),
/// with multicast: (first address, prefix length). None of them is the public web of news sites.
const SPECIAL_V4: &[(u32, u8)] = &[
    (0x0000_0000, 8),  // 0.0.0.0/8 "this network"
    (0x0A00_0000, 8),  // 10.0.0.0/8 private
    (0x6440_0000, 10), // 100.64.0.0/10 shared address space (CGNAT)
    (0x7F00_0000, 8),  // 127.0.0.0/8 loopback
    (0xA9FE_0000, 16), // 169.254.0.0/16 link-local
    (0xAC10_0000, 12), // 172.16.0.0/12 private
    (0xC000_0000, 24), // 192.0.0.0/24 IETF protocol assignments
    (0xC000_0200, 24), // 192.0.2.0/24 documentation (TEST-NET-1)
    (0xC01F_C400, 24), // 192.31.196.0/24 AS112-v4
    (0xC034_C100, 24), // 192.52.193.0/24 AMT
    (0xC058_6300, 24), // 192.88.99.0/24 6to4 relay anycast (deprecated)
    (0xC0A8_0000, 16), // 192.168.0.0/16 private
    (0xC0AF_3000, 24), // 192.175.48.0/24 direct delegation AS112
    (0xC612_0000, 15), // 198.18.0.0/15 benchmarking
    (0xC633_6400, 24), // 198.51.100.0/24 documentation (TEST-NET-2)
    (0xCB00_7100, 24), // 203.0.113.0/24 documentation (TEST-NET-3)
    (0xE000_0000, 4),  // 224.0.0.0/4 multicast
    (0xF000_0000, 4),  // 240.0.0.0/4 reserved, and 255.255.255.255 broadcast
];

/// The IPv6 ranges of IANA's "IPv6 Special-Purpose Address Registry", with the deprecated
/// IPv4-compatible and site-local ranges, multicast, and 6to4 (which embeds any IPv4 address).
const SPECIAL_V6: &[(u128, u8)] = &[
    (0, 96),                                         // ::/96 unspecified, loopback, IPv4-compatible (deprecated)
    (0xffff_0000_0000, 96),                          // ::ffff:0:0/96 IPv4-mapped (checked as IPv4 first)
    (0x0064_ff9b_0000_0000_0000_0000_0000_0000, 96), // 64:ff9b::/96 NAT64
    (0x0064_ff9b_0001_0000_0000_0000_0000_0000, 48), // 64:ff9b:1::/48 local-use NAT64
    (0x0100_0000_0000_0000_0000_0000_0000_0000, 64), // 100::/64 discard-only
    (0x0100_0000_0000_0001_0000_0000_0000_0000, 64), // 100:0:0:1::/64 dummy prefix
    (0x2001_0000_0000_0000_0000_0000_0000_0000, 23), // 2001::/23 IETF protocol assignments (Teredo, ORCHID...)
    (0x2001_0db8_0000_0000_0000_0000_0000_0000, 32), // 2001:db8::/32 documentation
    (0x2002_0000_0000_0000_0000_0000_0000_0000, 16), // 2002::/16 6to4
    (0x2620_004f_8000_0000_0000_0000_0000_0000, 48), // 2620:4f:8000::/48 direct delegation AS112
    (0x3fff_0000_0000_0000_0000_0000_0000_0000, 20), // 3fff::/20 documentation
    (0x5f00_0000_0000_0000_0000_0000_0000_0000, 16), // 5f00::/16 segment routing (SRv6) SIDs
    (0xfc00_0000_0000_0000_0000_0000_0000_0000, 7),  // fc00::/7 unique local
    (0xfe80_0000_0000_0000_0000_0000_0000_0000, 10), // fe80::/10 link-local
    (0xfec0_0000_0000_0000_0000_0000_0000_0000, 10), // fec0::/10 site-local (deprecated)
    (0xff00_0000_0000_0000_0000_0000_0000_0000, 8),  // ff00::/8 multicast
];

fn in_v4(ip: u32, (net, len): (u32, u8)) -> bool {
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    ip & mask == net & mask
}

fn in_v6(ip: u128, (net, len): (u128, u8)) -> bool {
    let mask = if len == 0 { 0 } else { u128::MAX << (128 - len) };
    ip & mask == net & mask
}

/// Addresses that are not the public Internet: every special-purpose range of the IANA registries.
/// An IPv6 address that carries an IPv4 one (mapped) is judged on that IPv4 address too.
pub fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => SPECIAL_V4.iter().any(|r| in_v4(u32::from(v4), *r)),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped()
                && is_special(IpAddr::V4(v4))
            {
                return true;
            }
            SPECIAL_V6.iter().any(|r| in_v6(u128::from(v6), *r))
        }
    }
}

/// Checks the form of an address typed by a user.
pub fn parse_url(input: &str) -> Result<url::Url, FetchError> {
    let input = input.trim();
    // "javascript:…", "data:…", "mailto:…" name a scheme; "exemple.fr:8080" and "localhost:80" do not.
    let has_scheme = input.contains("://")
        || input.split_once(':').is_some_and(|(scheme, rest)| {
            !scheme.is_empty()
                && scheme.chars().all(|c| c.is_ascii_alphanumeric() || c == '+' || c == '-')
                && !rest.starts_with(|c: char| c.is_ascii_digit())
        });
    let with_scheme = if has_scheme { input.to_string() } else { format!("https://{input}") };
    let u = url::Url::parse(&with_scheme)
        .map_err(|_| err("Cette adresse n'est pas valide (exemple : https://exemple.fr/flux)."))?;
    if u.scheme() != "http" && u.scheme() != "https" {
        return Err(err("Seules les adresses http et https sont acceptées."));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(err("Cette adresse n'a pas de nom de site."));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err(err("Une adresse avec identifiant et mot de passe n'est pas acceptée."));
    }
    if input.len() > 2000 {
        return Err(err("Cette adresse est trop longue."));
    }
    Ok(u)
}

fn host_limits() -> &'static Mutex<HashMap<String, Arc<Semaphore>>> {
    static LIMITS: OnceLock<Mutex<HashMap<String, Arc<Semaphore>>>> = OnceLock::new();
    LIMITS.get_or_init(|| Mutex::new(HashMap::new()))
}

fn host_semaphore(host: &str) -> Arc<Semaphore> {
    let mut map = host_limits().lock().unwrap_or_else(|e| e.into_inner());
    map.entry(host.to_string()).or_insert_with(|| Arc::new(Semaphore::new(PER_HOST))).clone()
}

/// Resolves the host and checks every address; returns the one to connect to.
async fn resolve(f: &Fetcher, u: &url::Url) -> Result<SocketAddr, FetchError> {
    let host = u.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_string();
    let port = u.port_or_known_default().unwrap_or(80);
    let addrs: Vec<SocketAddr> = if let Ok(ip) = host.parse::<IpAddr>() {
        vec![SocketAddr::new(ip, port)]
    } else {
        tokio::time::timeout(f.timeout, tokio::net::lookup_host((host.as_str(), port)))
            .await
            .map_err(|_| err("Le nom du site ne répond pas (délai dépassé)."))?
            .map_err(|_| err(format!("Le site « {host} » est introuvable.")))?
            .collect()
    };
    if addrs.is_empty() {
        return Err(err(format!("Le site « {host} » est introuvable.")));
    }
    if !f.allow_private && addrs.iter().any(|a| is_special(a.ip())) {
        return Err(err("Cette adresse mène à un réseau privé ou local : la veille ne la lit pas."));
    }
    Ok(addrs[0])
}

/// Fetches `url` (with the validators of an earlier fetch, for a conditional request).
pub async fn fetch(
    f: &Fetcher,
    url: &url::Url,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<Fetched, FetchError> {
    let mut current = url.clone();
    for _ in 0..=MAX_REDIRECTS {
        let addr = resolve(f, &current).await?;
        let host = current.host_str().unwrap_or_default().to_string();
        let sem = host_semaphore(&host);
        let _permit = sem.acquire_owned().await.map_err(|_| err("Lecture interrompue."))?;
        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(f.timeout)
            .connect_timeout(f.timeout)
            .user_agent(USER_AGENT);
        if host.parse::<IpAddr>().is_err() {
            builder = builder.resolve(&host, addr);
        }
        let client = builder.build().map_err(|_| err("Lecture impossible."))?;
        let mut req = client.get(current.clone()).header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/html;q=0.8, */*;q=0.5",
        );
        if let Some(e) = etag {
            req = req.header(reqwest::header::IF_NONE_MATCH, e);
        }
        if let Some(l) = last_modified {
            req = req.header(reqwest::header::IF_MODIFIED_SINCE, l);
        }
        let mut resp = req.send().await.map_err(|e| {
            if e.is_timeout() { err("Le site met trop de temps à répondre.") } else { err("Le site ne répond pas.") }
        })?;
        let status = resp.status();
        if status.is_redirection() && status != reqwest::StatusCode::NOT_MODIFIED {
            let location = resp
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| err("Le site redirige sans dire où."))?;
            let next = current.join(location).map_err(|_| err("Le site redirige vers une adresse invalide."))?;
            if next.scheme() != "http" && next.scheme() != "https" {
                return Err(err("Le site redirige vers une adresse qui n'est pas http ou https."));
            }
            current = next;
            continue;
        }
        let header = |name: reqwest::header::HeaderName| {
            resp.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_string)
        };
        let (new_etag, new_modified) = (header(reqwest::header::ETAG), header(reqwest::header::LAST_MODIFIED));
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        if status == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(Fetched {
                url: current,
                not_modified: true,
                content_type,
                body: Vec::new(),
                etag: new_etag,
                last_modified: new_modified,
            });
        }
        if !status.is_success() {
            return Err(err(format!("Le site répond par une erreur ({}).", status.as_u16())));
        }
        if resp.content_length().is_some_and(|n| n as usize > f.max_bytes) {
            return Err(err(format!("Le document dépasse {} Ko.", f.max_bytes / 1024)));
        }
        let mut body = Vec::new();
        let deadline = tokio::time::Instant::now() + f.timeout;
        loop {
            let chunk = tokio::time::timeout_at(deadline, resp.chunk())
                .await
                .map_err(|_| err("Le site met trop de temps à envoyer le document."))?
                .map_err(|_| err("La lecture du document a été interrompue."))?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > f.max_bytes {
                return Err(err(format!("Le document dépasse {} Ko.", f.max_bytes / 1024)));
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(Fetched {
            url: current,
            not_modified: false,
            content_type,
            body,
            etag: new_etag,
            last_modified: new_modified,
        });
    }
    Err(err(format!("Le site redirige plus de {MAX_REDIRECTS} fois : la veille abandonne.")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn special_addresses_are_recognised() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "192.0.0.1",
            "192.0.0.170",
            "255.255.255.255",
            "224.0.0.1",
            "::1",
            "::",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "::127.0.0.1",
            "2002:7f00:1::",
            "2001::1",
            "64:ff9b::a00:1",
            "ff02::1",
        ] {
            assert!(is_special(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2a01:cb00::1", "8.8.8.8", "192.0.1.1", "100.128.0.1", "2001:4860::8888"] {
            assert!(!is_special(ip.parse().unwrap()), "{ip}");
        }
    }

    /// Each range of the tables, at its first and last address, and the addresses just outside it
    /// when they are public: the classifier alone, no connection.
    #[test]
    fn every_special_range_is_refused_from_its_first_to_its_last_address() {
        use std::net::{Ipv4Addr, Ipv6Addr};
        for &(net, len) in SPECIAL_V4 {
            let last = net | (u32::MAX.checked_shr(u32::from(len)).unwrap_or(0));
            for ip in [net, last] {
                assert!(is_special(IpAddr::V4(Ipv4Addr::from(ip))), "{}/{len}", Ipv4Addr::from(net));
                // The same address written as IPv4-mapped IPv6 is refused as well.
                assert!(is_special(IpAddr::V6(Ipv4Addr::from(ip).to_ipv6_mapped())));
            }
            for outside in [net.wrapping_sub(1), last.wrapping_add(1)] {
                let inside_another = SPECIAL_V4.iter().any(|r| in_v4(outside, *r));
                assert_eq!(
                    is_special(IpAddr::V4(Ipv4Addr::from(outside))),
                    inside_another,
                    "{}",
                    Ipv4Addr::from(outside)
                );
            }
        }
        for &(net, len) in SPECIAL_V6 {
            let last = net | (u128::MAX.checked_shr(u32::from(len)).unwrap_or(0));
            for ip in [net, last] {
                let ip6 = Ipv6Addr::from(ip);
                if ip6.to_ipv4_mapped().is_some() {
                    continue; // judged on its IPv4 address, above
                }
                assert!(is_special(IpAddr::V6(ip6)), "{ip6}/{len}");
            }
            for outside in [net.wrapping_sub(1), last.wrapping_add(1)] {
                let o = Ipv6Addr::from(outside);
                let inside_another = SPECIAL_V6.iter().any(|r| in_v6(outside, *r));
                if o.to_ipv4_mapped().is_none() {
                    assert_eq!(is_special(IpAddr::V6(o)), inside_another, "{o}");
                }
            }
        }
    }

    #[test]
    fn only_web_addresses_are_accepted() {
        assert_eq!(parse_url("exemple.fr/flux").unwrap().as_str(), "https://exemple.fr/flux");
        assert!(parse_url("ftp://exemple.fr").is_err());
        assert!(parse_url("javascript:alert(1)").unwrap_err().0.contains("http et https"));
        assert!(parse_url("data:text/html,x").is_err());
        assert_eq!(parse_url("localhost:8080/x").unwrap().as_str(), "https://localhost:8080/x");
        assert!(parse_url("file:///etc/passwd").is_err());
        assert!(parse_url("https://user:pw@exemple.fr").is_err());
        assert!(parse_url("http://").is_err());
    }

    #[tokio::test]
    async fn private_addresses_are_refused_unless_allowed() {
        let f = Fetcher { allow_private: false, max_bytes: 1000, timeout: Duration::from_secs(2) };
        let e = fetch(&f, &parse_url("http://127.0.0.1:9/").unwrap(), None, None).await.unwrap_err();
        assert!(e.0.contains("réseau privé"), "{e}");
        let e = fetch(&f, &parse_url("http://localhost:9/").unwrap(), None, None).await.unwrap_err();
        assert!(e.0.contains("réseau privé"), "{e}");
    }
}
