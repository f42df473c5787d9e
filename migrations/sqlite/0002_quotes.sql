-- Quotes (devis), their versions, and the counters that number documents per organisation and year.

CREATE TABLE counters (
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    year BIGINT NOT NULL,
    value BIGINT NOT NULL,
    PRIMARY KEY (org_id, name, year)
);

CREATE TABLE quotes (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    number TEXT NOT NULL,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    title TEXT NOT NULL,
    status TEXT NOT NULL,
    current_version BIGINT NOT NULL,
    valid_until TEXT NOT NULL,
    total_ht TEXT NOT NULL,
    total_ttc TEXT NOT NULL,
    link_token_hash TEXT,
    sent_at BIGINT,
    decided_at BIGINT,
    decision_name TEXT,
    decision_ip TEXT,
    decided_version BIGINT,
    convention_number TEXT,
    search TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT quotes_org_number_key UNIQUE (org_id, number),
    CONSTRAINT quotes_link_token_hash_key UNIQUE (link_token_hash)
);
CREATE INDEX quotes_org_created ON quotes (org_id, created_at);
CREATE INDEX quotes_client ON quotes (client_id);

CREATE TABLE quote_versions (
    id INTEGER PRIMARY KEY,
    quote_id BIGINT NOT NULL REFERENCES quotes(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    version BIGINT NOT NULL,
    input TEXT NOT NULL,
    priced TEXT NOT NULL,
    created_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT quote_versions_quote_version_key UNIQUE (quote_id, version)
);
