-- Phase 3, continued: vendors' proposals read with the glossary, the école mutuelle, and the TICA
-- network (territories, retours d'expérience, mises en lien between committees).

CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    vendor TEXT NOT NULL DEFAULT '',
    filename TEXT NOT NULL,
    mime TEXT NOT NULL,
    size BIGINT NOT NULL,
    content BLOB NOT NULL,
    text TEXT NOT NULL,
    reading TEXT NOT NULL DEFAULT '',
    reading_by TEXT NOT NULL DEFAULT '',
    reading_at BIGINT,
    uploaded_by TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX proposals_cycle ON proposals (cycle_id);

CREATE TABLE mutual_posts (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    skill TEXT NOT NULL,
    details TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    closed_at BIGINT
);
CREATE INDEX mutual_posts_cycle ON mutual_posts (cycle_id);

CREATE TABLE territories (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    codes TEXT NOT NULL DEFAULT '',
    created_by_org BIGINT REFERENCES organisations(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT territories_name_key UNIQUE (name)
);

ALTER TABLE cycles ADD COLUMN territory_id BIGINT REFERENCES territories(id) ON DELETE SET NULL;
ALTER TABLE cycles ADD COLUMN network_visible INTEGER NOT NULL DEFAULT 0;
ALTER TABLE actions ADD COLUMN tags TEXT NOT NULL DEFAULT '';

CREATE TABLE retours (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    title TEXT NOT NULL,
    problem TEXT NOT NULL,
    done TEXT NOT NULL,
    result TEXT NOT NULL,
    tags TEXT NOT NULL DEFAULT '',
    published_at BIGINT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX retours_cycle ON retours (cycle_id);
CREATE INDEX retours_published ON retours (published_at);

CREATE TABLE network_links (
    id INTEGER PRIMARY KEY,
    from_org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    from_cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    to_org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    to_cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    message TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    answered_at BIGINT,
    CONSTRAINT network_links_pair_key UNIQUE (from_cycle_id, to_cycle_id)
);
CREATE INDEX network_links_to ON network_links (to_cycle_id);
