//! Personal links: a participant's page (`/p/{token}`), a notepad's read-only link, a cycle's
//! public veille feeds. Each is a secret that the database never holds: a row keeps a random nonce
//! and the SHA-256 of its token; the token is HMAC-SHA256(key, kind, nonce), made again whenever a
//! page or an e-mail shows the link, and a link is found by the SHA-256 of what was typed. A copy
//! of the tables alone opens nothing.
//!
//! The key is `ACUNUM_SECRET_KEY` when set (what a production server should do, kept apart from
//! the database), otherwise a random key kept in the database's `app_secrets` table (then a
//! stolen database does open the links again). Changing the key changes every link.

use base64::Engine;
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::AppError;

/// What a link opens (part of what the token is made from, so that one nonce never opens two).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Participant,
    ReadOnly,
    Veille,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Participant => "participant",
            Kind::ReadOnly => "carnet-lecture",
            Kind::Veille => "veille",
        }
    }
}

/// The key of a server whose configuration names one.
pub fn key_of_secret(secret: &str) -> [u8; 32] {
    Sha256::digest(format!("acunum links\0{secret}").as_bytes()).into()
}

/// HMAC-SHA256 (RFC 2104) with a key of at most 64 bytes.
pub fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut k = [0u8; 64];
    k[..key.len().min(64)].copy_from_slice(&key[..key.len().min(64)]);
    let mut ipad = [0x36u8; 64];
    let mut opad = [0x5cu8; 64];
    for i in 0..64 {
        ipad[i] ^= k[i];
        opad[i] ^= k[i];
    }
    let inner = Sha256::new().chain_update(ipad).chain_update(message).finalize();
    Sha256::new().chain_update(opad).chain_update(inner).finalize().into()
}

/// The token of a nonce.
pub fn derive(key: &[u8; 32], kind: Kind, nonce: &str) -> String {
    let mac = hmac_sha256(key, format!("{}\0{nonce}", kind.as_str()).as_bytes());
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(mac)
}

/// What the database keeps to find a token: its SHA-256, as for API tokens.
pub use crate::secret::token_hash as hash;

/// Makes `secret` (the configuration's `secret_key`, when set) this handle's key, before any link
/// is made; a handle that already read its key keeps it.
pub fn use_secret(db: &Db, secret: &str) {
    if !secret.is_empty() {
        let _ = db.link_key.0.set(key_of_secret(secret));
    }
}

/// The key of this database: the configured one, or the one kept in `app_secrets` (made once).
pub async fn key(db: &Db) -> Result<[u8; 32], AppError> {
    db.link_key
        .0
        .get_or_try_init(|| async {
            let read = || async {
                sqlx::query_scalar::<_, String>("SELECT value FROM app_secrets WHERE name = 'link_key'")
                    .fetch_optional(&db.pool)
                    .await
            };
            let stored = match read().await? {
                Some(v) => v,
                None => {
                    let fresh = hex::encode(rand::random::<[u8; 32]>());
                    sqlx::query(
                        "INSERT INTO app_secrets (name, value) VALUES ('link_key', $1) ON CONFLICT (name) DO NOTHING",
                    )
                    .bind(&fresh)
                    .execute(&db.pool)
                    .await?;
                    read().await?.unwrap_or(fresh)
                }
            };
            let bytes = hex::decode(stored.trim()).map_err(|e| AppError::Internal(anyhow::anyhow!("link key: {e}")))?;
            <[u8; 32]>::try_from(bytes.as_slice()).map_err(|_| AppError::Internal(anyhow::anyhow!("link key length")))
        })
        .await
        .copied()
}

/// The token of a stored nonce.
pub async fn token(db: &Db, kind: Kind, nonce: &str) -> Result<String, AppError> {
    Ok(derive(&key(db).await?, kind, nonce))
}

/// A new link: the nonce to store and the hash of its token.
pub async fn fresh(db: &Db, kind: Kind) -> Result<(String, String), AppError> {
    let nonce = crate::secret::random_token();
    let token = token(db, kind, &nonce).await?;
    Ok((nonce, hash(&token)))
}

/// Gives a hash to rows kept before links were hashed (their old token becomes their nonce: the
/// links sent before change once). Run after the migrations; returns the rows updated.
pub async fn backfill(db: &Db) -> Result<usize, AppError> {
    let key = key(db).await?;
    let mut n = 0;
    for (table, column, hashed, kind) in [
        ("participants", "calendar_token", "calendar_token_hash", Kind::Participant),
        ("notepads", "read_token", "read_token_hash", Kind::ReadOnly),
        ("cycles", "veille_token", "veille_token_hash", Kind::Veille),
    ] {
        let rows: Vec<(i64, String)> = sqlx::query_as(&format!(
            "SELECT id, {column} FROM {table} WHERE {column} IS NOT NULL AND {hashed} IS NULL"
        ))
        .fetch_all(&db.pool)
        .await?;
        for (id, nonce) in rows {
            sqlx::query(&format!("UPDATE {table} SET {hashed} = $1 WHERE id = $2"))
                .bind(hash(&derive(&key, kind, &nonce)))
                .bind(id)
                .execute(&db.pool)
                .await?;
            n += 1;
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 1 of RFC 4231.
        let mac = hmac_sha256(&[0x0b; 20], b"Hi There");
        assert_eq!(hex::encode(mac), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
        // Test case 2.
        let mac = hmac_sha256(b"Jefe", b"what do ya want for nothing?");
        assert_eq!(hex::encode(mac), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    }

    #[test]
    fn a_token_depends_on_the_key_the_kind_and_the_nonce() {
        let k = key_of_secret("secret");
        let t = derive(&k, Kind::Participant, "n1");
        assert_eq!(t.len(), 43);
        assert_eq!(t, derive(&k, Kind::Participant, "n1"));
        assert_ne!(t, derive(&k, Kind::Veille, "n1"));
        assert_ne!(t, derive(&k, Kind::Participant, "n2"));
        assert_ne!(t, derive(&key_of_secret("autre"), Kind::Participant, "n1"));
        assert_eq!(hash(&t).len(), 64);
    }
}
