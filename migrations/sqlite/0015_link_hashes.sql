-- Personal links are no longer kept in clear: the old columns now hold a random nonce, the token is
-- HMAC-SHA256(key, kind, nonce) (see src/links.rs), and lookups go through the token's SHA-256.
CREATE TABLE app_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
ALTER TABLE participants ADD COLUMN calendar_token_hash TEXT;
CREATE UNIQUE INDEX participants_calendar_token_hash ON participants (calendar_token_hash);
ALTER TABLE notepads ADD COLUMN read_token_hash TEXT;
CREATE UNIQUE INDEX notepads_read_token_hash ON notepads (read_token_hash);
ALTER TABLE cycles ADD COLUMN veille_token_hash TEXT;
CREATE UNIQUE INDEX cycles_veille_token_hash ON cycles (veille_token_hash);
