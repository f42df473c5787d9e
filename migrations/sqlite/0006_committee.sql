-- Phases 2 and 3: the committee's référent, its vote on the usage training's topics, the
-- commitments, the action plan with its notes, and the AMO journal.

ALTER TABLE cycles ADD COLUMN referent_id BIGINT REFERENCES participants(id) ON DELETE SET NULL;
ALTER TABLE cycle_modules ADD COLUMN chosen_topics TEXT;

CREATE TABLE votes (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    cycle_module_id BIGINT NOT NULL REFERENCES cycle_modules(id) ON DELETE CASCADE,
    question TEXT NOT NULL,
    topics TEXT NOT NULL,
    seats BIGINT NOT NULL,
    max_choices BIGINT NOT NULL,
    secret INTEGER NOT NULL,
    closes_at BIGINT NOT NULL,
    closed_at BIGINT,
    applied_at BIGINT,
    created_at BIGINT NOT NULL
);
CREATE INDEX votes_cycle ON votes (cycle_id);

CREATE TABLE vote_voters (
    id INTEGER PRIMARY KEY,
    vote_id BIGINT NOT NULL REFERENCES votes(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    CONSTRAINT vote_voters_once_key UNIQUE (vote_id, participant_id)
);

CREATE TABLE vote_ballots (
    id INTEGER PRIMARY KEY,
    vote_id BIGINT NOT NULL REFERENCES votes(id) ON DELETE CASCADE,
    participant_id BIGINT REFERENCES participants(id) ON DELETE SET NULL,
    choices TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX vote_ballots_vote ON vote_ballots (vote_id);

CREATE TABLE commitments (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    participant_id BIGINT REFERENCES participants(id) ON DELETE CASCADE,
    what TEXT NOT NULL,
    who TEXT NOT NULL,
    due_date TEXT,
    status TEXT NOT NULL,
    notes TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX commitments_cycle ON commitments (cycle_id);

CREATE TABLE actions (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    category TEXT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    owners TEXT NOT NULL,
    due_date TEXT,
    status TEXT NOT NULL,
    search TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX actions_cycle ON actions (cycle_id, status);
CREATE INDEX actions_org_due ON actions (org_id, due_date);

CREATE TABLE action_notes (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    action_id BIGINT NOT NULL REFERENCES actions(id) ON DELETE CASCADE,
    author TEXT NOT NULL,
    text TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX action_notes_action ON action_notes (action_id, at);

CREATE TABLE amo_entries (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    intervenant_id BIGINT REFERENCES intervenants(id) ON DELETE SET NULL,
    kind TEXT NOT NULL,
    day TEXT NOT NULL,
    minutes BIGINT NOT NULL,
    text TEXT NOT NULL,
    action_ids TEXT NOT NULL DEFAULT '[]',
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX amo_entries_cycle ON amo_entries (cycle_id, day);
