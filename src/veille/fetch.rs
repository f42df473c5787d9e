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

/// Addresses that are not the public Internet.
pub fn is_special(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // shared address space (CGNAT)
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)) // benchmarking
                || o[0] >= 240
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_special(IpAddr::V4(v4));
            }
            let s = v6.segments();
            v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00 // unique local
                || (s[0] & 0xffc0) == 0xfe80 // link-local
                || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation
                || (s[0] == 0x64 && s[1] == 0xff9b) // NAT64 (may reach private IPv4)
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
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_special(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["93.184.216.34", "2a01:cb00::1", "8.8.8.8"] {
            assert!(!is_special(ip.parse().unwrap()), "{ip}");
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
