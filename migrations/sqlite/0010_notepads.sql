-- The collaborative notepads of a cycle (one per module, filled from a template): the Yjs document
-- as a compacted snapshot plus the updates received since, each stored before it is relayed.

CREATE TABLE notepads (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    cycle_module_id BIGINT,
    title TEXT NOT NULL,
    read_token TEXT NOT NULL,
    snapshot BLOB,
    snapshot_seq BIGINT NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT notepads_read_token_key UNIQUE (read_token)
);
CREATE INDEX notepads_cycle ON notepads (cycle_id);

CREATE TABLE notepad_updates (
    id INTEGER PRIMARY KEY,
    notepad_id BIGINT NOT NULL REFERENCES notepads(id) ON DELETE CASCADE,
    data BLOB NOT NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX notepad_updates_pad ON notepad_updates (notepad_id, id);
