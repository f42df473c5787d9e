-- The shared veille of a cycle: saved links, subscribed feeds and their entries, who read what,
-- and the secret token of the group's public Atom and OPML addresses.

ALTER TABLE cycles ADD COLUMN veille_token TEXT;

CREATE TABLE bookmarks (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    comment TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '',
    added_by TEXT NOT NULL,
    search TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    CONSTRAINT bookmarks_cycle_url_key UNIQUE (cycle_id, url)
);
CREATE INDEX bookmarks_cycle ON bookmarks (cycle_id, created_at);

CREATE TABLE feeds (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    url TEXT NOT NULL,
    site_url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    etag TEXT,
    last_modified TEXT,
    fetched_at BIGINT,
    next_fetch_at BIGINT NOT NULL,
    error TEXT NOT NULL DEFAULT '',
    errors BIGINT NOT NULL DEFAULT 0,
    added_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT feeds_cycle_url_key UNIQUE (cycle_id, url)
);
CREATE INDEX feeds_due ON feeds (next_fetch_at);

CREATE TABLE feed_entries (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    feed_id BIGINT NOT NULL REFERENCES feeds(id) ON DELETE CASCADE,
    uid TEXT NOT NULL,
    url TEXT NOT NULL DEFAULT '',
    title TEXT NOT NULL,
    summary TEXT NOT NULL DEFAULT '',
    published_at BIGINT NOT NULL,
    search TEXT NOT NULL DEFAULT '',
    fetched_at BIGINT NOT NULL,
    CONSTRAINT feed_entries_feed_uid_key UNIQUE (feed_id, uid)
);
CREATE INDEX feed_entries_cycle ON feed_entries (cycle_id, published_at);

CREATE TABLE entry_reads (
    entry_id BIGINT NOT NULL REFERENCES feed_entries(id) ON DELETE CASCADE,
    reader TEXT NOT NULL,
    at BIGINT NOT NULL,
    PRIMARY KEY (entry_id, reader)
);

-- Full-text search over the news (accents and case folded; stems left to the words themselves).
CREATE VIRTUAL TABLE feed_entries_fts USING fts5(title, body, content='', tokenize='unicode61 remove_diacritics 2');

-- Who receives the weekly digest of new links.
CREATE TABLE veille_digests (
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    email TEXT NOT NULL,
    name TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    PRIMARY KEY (cycle_id, email)
);
