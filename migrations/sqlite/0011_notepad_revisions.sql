-- The history of a notepad: the whole document at a moment, with who wrote since the revision
-- before. A revision is kept when the last person leaves, at a compaction when the previous one is
-- ten minutes old, and before a restore; restoring one is itself an edit that everyone sees live.

CREATE TABLE notepad_revisions (
    id INTEGER PRIMARY KEY,
    notepad_id BIGINT NOT NULL REFERENCES notepads(id) ON DELETE CASCADE,
    created_at BIGINT NOT NULL,
    authors TEXT NOT NULL,
    chars BIGINT NOT NULL,
    note TEXT NOT NULL,
    state BLOB NOT NULL
);
CREATE INDEX notepad_revisions_pad ON notepad_revisions (notepad_id, id);
