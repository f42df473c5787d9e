//! Throttles of guesses (passwords, signing codes), reserved in the database before anything is
//! checked, and the client's address as seen behind trusted proxies.
//!
//! Each attempt first reserves its place in a counter with one atomic upsert (`reserve`): the
//! database hands out 1, 2, 3… to simultaneous requests, whichever process serves them, so that no
//! more than the limit are ever checked. A right answer gives its place back (`release`) and
//! clears the account's counter (`clear`): only failures and attempts in flight count.

use std::net::IpAddr;

use crate::db::Db;
use crate::error::AppError;

/// Reserves one attempt under `key` in a window of `window_secs` starting at the key's first
/// attempt; returns the number of attempts of the window, this one included.
pub async fn reserve(db: &Db, key: &str, now: i64, window_secs: i64) -> Result<i64, AppError> {
    let count: i64 = sqlx::query_scalar(
        "INSERT INTO throttle (key, window_start, count) VALUES ($1, $2, 1) \
         ON CONFLICT (key) DO UPDATE SET \
           count = CASE WHEN throttle.window_start <= $3 THEN 1 ELSE throttle.count + 1 END, \
           window_start = CASE WHEN throttle.window_start <= $3 THEN $2 ELSE throttle.window_start END \
         RETURNING count",
    )
    .bind(key)
    .bind(now)
    .bind(now - window_secs)
    .fetch_one(&db.pool)
    .await?;
    Ok(count)
}

/// Gives back one reserved attempt (it was right, or it was refused before being checked).
pub async fn release(db: &Db, key: &str) -> Result<(), AppError> {
    sqlx::query("UPDATE throttle SET count = count - 1 WHERE key = $1 AND count > 0")
        .bind(key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Forgets a key's attempts (a successful login clears its account's failures).
pub async fn clear(db: &Db, key: &str) -> Result<(), AppError> {
    sqlx::query("DELETE FROM throttle WHERE key = $1").bind(key).execute(&db.pool).await?;
    Ok(())
}

/// Forgets windows older than a day.
pub async fn prune(db: &Db, now: i64) -> Result<(), AppError> {
    sqlx::query("DELETE FROM throttle WHERE window_start < $1").bind(now - 86_400).execute(&db.pool).await?;
    Ok(())
}

/// Reserves an attempt under each `(key, limit)`; when one is over its limit, every reservation is
/// given back and `false` returned: nothing may be checked.
pub async fn reserve_all(db: &Db, keys: &[(String, i64)], now: i64, window_secs: i64) -> Result<bool, AppError> {
    let mut taken = Vec::new();
    for (key, limit) in keys {
        let n = reserve(db, key, now, window_secs).await?;
        taken.push(key);
        if n > *limit {
            for k in taken {
                release(db, k).await?;
            }
            return Ok(false);
        }
    }
    Ok(true)
}

/// A network (an address with a prefix length) from `10.0.0.0/8`, `::1` or `192.0.2.7`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    pub fn parse(s: &str) -> Option<Net> {
        let (ip, prefix) = match s.trim().split_once('/') {
            Some((ip, p)) => (ip.parse::<IpAddr>().ok()?, Some(p.parse::<u8>().ok()?)),
            None => (s.trim().parse::<IpAddr>().ok()?, None),
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(max);
        (prefix <= max).then_some(Net { addr: ip, prefix })
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
            v4 => v4,
        };
        match (self.addr, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(self.prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(self.prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        }
    }
}

/// The trusted proxies of the configuration (`ACUNUM_TRUSTED_PROXIES`: addresses or networks,
/// separated by commas); what cannot be read is left out (the configuration check reports it).
pub fn trusted_proxies(list: &str) -> Vec<Net> {
    list.split(',').filter(|s| !s.trim().is_empty()).filter_map(Net::parse).collect()
}

/// The client's address: the socket's peer, unless that peer is a trusted proxy; then the
/// `X-Forwarded-For` chain is read from the right, and the first address that is not a trusted
/// proxy is the client (what a client writes itself at the left cannot choose its address).
pub fn client_ip(peer: IpAddr, forwarded_for: &[&str], trusted: &[Net]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|n| n.contains(ip));
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    for hop in forwarded_for.iter().rev().flat_map(|h| h.rsplit(',')) {
        let Ok(ip) = hop.trim().parse::<IpAddr>() else { break };
        client = ip;
        if !is_trusted(ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn networks_contain_their_addresses_only() {
        let n = Net::parse("10.0.0.0/8").unwrap();
        assert!(n.contains(ip("10.200.1.1")));
        assert!(!n.contains(ip("11.0.0.1")));
        assert!(n.contains(ip("::ffff:10.0.0.1")));
        assert!(Net::parse("::1").unwrap().contains(ip("::1")));
        assert!(Net::parse("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(Net::parse("10.0.0.0/33").is_none());
        assert!(Net::parse("pas une adresse").is_none());
        assert_eq!(trusted_proxies("127.0.0.1, 10.0.0.0/8,,x").len(), 2);
    }

    #[test]
    fn the_client_is_the_first_untrusted_address_from_the_right() {
        let trusted = trusted_proxies("127.0.0.1,10.0.0.0/8");
        // No proxy in between: the header is the client's own words and is ignored.
        assert_eq!(client_ip(ip("203.0.113.9"), &["1.2.3.4"], &trusted), ip("203.0.113.9"));
        // Behind the load balancer: the address it saw.
        assert_eq!(client_ip(ip("127.0.0.1"), &["198.51.100.7"], &trusted), ip("198.51.100.7"));
        // A forged left part does not choose the address.
        assert_eq!(client_ip(ip("127.0.0.1"), &["6.6.6.6, 198.51.100.7, 10.1.1.1"], &trusted), ip("198.51.100.7"));
        assert_eq!(client_ip(ip("127.0.0.1"), &["6.6.6.6", "198.51.100.7"], &trusted), ip("198.51.100.7"));
        // Nothing readable: the proxy itself.
        assert_eq!(client_ip(ip("127.0.0.1"), &["inconnu"], &trusted), ip("127.0.0.1"));
        assert_eq!(client_ip(ip("127.0.0.1"), &[], &trusted), ip("127.0.0.1"));
        // No trusted proxy configured: always the socket's peer.
        assert_eq!(client_ip(ip("127.0.0.1"), &["198.51.100.7"], &[]), ip("127.0.0.1"));
    }
}
