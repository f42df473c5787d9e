-- The directory of mediation places (the national open-data schema, "standard-mediation-num"),
-- imported by an organisation from the official files; each import keeps its row-by-row report.

CREATE TABLE places (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    source TEXT NOT NULL,
    ext_id TEXT NOT NULL,
    nom TEXT NOT NULL,
    commune TEXT NOT NULL,
    code_postal TEXT NOT NULL,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    coords_from TEXT NOT NULL DEFAULT '',
    typologie TEXT NOT NULL DEFAULT '',
    services TEXT NOT NULL DEFAULT '',
    search TEXT NOT NULL DEFAULT '',
    record TEXT NOT NULL,
    extra TEXT NOT NULL DEFAULT '{}',
    fingerprint TEXT NOT NULL,
    import_id BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT places_source_id_key UNIQUE (org_id, source, ext_id)
);
CREATE INDEX places_org_name ON places (org_id, nom);

CREATE TABLE place_imports (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    filename TEXT NOT NULL,
    format TEXT NOT NULL,
    created_by TEXT NOT NULL,
    rows_total BIGINT NOT NULL DEFAULT 0,
    accepted BIGINT NOT NULL DEFAULT 0,
    corrected BIGINT NOT NULL DEFAULT 0,
    rejected BIGINT NOT NULL DEFAULT 0,
    created BIGINT NOT NULL DEFAULT 0,
    updated BIGINT NOT NULL DEFAULT 0,
    unchanged BIGINT NOT NULL DEFAULT 0,
    notes TEXT NOT NULL DEFAULT '[]',
    rows TEXT NOT NULL DEFAULT '[]',
    millis BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL
);
CREATE INDEX place_imports_org ON place_imports (org_id, created_at);

-- Bumped by every import so that each instance's in-memory index knows when to reload.
CREATE TABLE place_revisions (
    org_id BIGINT PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    revision BIGINT NOT NULL
);
