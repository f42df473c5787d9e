-- Cycles: their modules (each tied to the catalogue version it uses), the groupe mixte, rooms,
-- sessions, conference registrations, and the job queue (e-mails, reminders).

CREATE TABLE cycles (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    quote_id BIGINT REFERENCES quotes(id) ON DELETE SET NULL,
    title TEXT NOT NULL,
    territory TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    timezone TEXT NOT NULL DEFAULT 'Europe/Paris',
    waitlist INTEGER NOT NULL DEFAULT 1,
    calendar_token TEXT NOT NULL,
    search TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT cycles_calendar_token_key UNIQUE (calendar_token)
);
CREATE INDEX cycles_org ON cycles (org_id, created_at);

CREATE TABLE cycle_structures (
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    client_id BIGINT NOT NULL REFERENCES clients(id) ON DELETE RESTRICT,
    PRIMARY KEY (cycle_id, client_id)
);

CREATE TABLE cycle_modules (
    id INTEGER PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL,
    module_id BIGINT NOT NULL REFERENCES modules(id) ON DELETE RESTRICT,
    module_version_id BIGINT NOT NULL REFERENCES module_versions(id) ON DELETE RESTRICT,
    kind TEXT NOT NULL,
    title TEXT NOT NULL,
    position BIGINT NOT NULL,
    intervenant_id BIGINT REFERENCES intervenants(id) ON DELETE SET NULL
);
CREATE INDEX cycle_modules_cycle ON cycle_modules (cycle_id, position);

CREATE TABLE participants (
    id INTEGER PRIMARY KEY,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL,
    first_name TEXT NOT NULL,
    last_name TEXT NOT NULL,
    email TEXT NOT NULL,
    phone TEXT NOT NULL DEFAULT '',
    job TEXT NOT NULL DEFAULT '',
    service TEXT NOT NULL DEFAULT '',
    structure TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    committee INTEGER NOT NULL DEFAULT 0,
    calendar_token TEXT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    created_at BIGINT NOT NULL,
    CONSTRAINT participants_cycle_email_key UNIQUE (cycle_id, email),
    CONSTRAINT participants_calendar_token_key UNIQUE (calendar_token)
);
CREATE INDEX participants_email ON participants (org_id, email);

CREATE TABLE rooms (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    client_id BIGINT REFERENCES clients(id) ON DELETE SET NULL,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    postal_code TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    capacity BIGINT,
    checklist TEXT NOT NULL,
    practical TEXT NOT NULL DEFAULT '',
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX rooms_org ON rooms (org_id, name);

CREATE TABLE training_sessions (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE CASCADE,
    cycle_module_id BIGINT NOT NULL REFERENCES cycle_modules(id) ON DELETE CASCADE,
    position BIGINT NOT NULL,
    title TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    room_id BIGINT REFERENCES rooms(id) ON DELETE SET NULL,
    intervenant_id BIGINT REFERENCES intervenants(id) ON DELETE SET NULL,
    capacity BIGINT,
    registration_token TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    CONSTRAINT training_sessions_registration_token_key UNIQUE (registration_token)
);
CREATE INDEX training_sessions_intervenant ON training_sessions (intervenant_id, start_at);
CREATE INDEX training_sessions_room ON training_sessions (room_id, start_at);
CREATE INDEX training_sessions_cycle ON training_sessions (cycle_id, start_at);
CREATE INDEX training_sessions_org_start ON training_sessions (org_id, start_at);

CREATE TABLE registrations (
    id INTEGER PRIMARY KEY,
    session_id BIGINT NOT NULL REFERENCES training_sessions(id) ON DELETE CASCADE,
    org_id BIGINT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    structure TEXT NOT NULL DEFAULT '',
    job TEXT NOT NULL DEFAULT '',
    volunteer INTEGER NOT NULL DEFAULT 0,
    waiting INTEGER NOT NULL DEFAULT 0,
    created_at BIGINT NOT NULL,
    CONSTRAINT registrations_session_email_key UNIQUE (session_id, email)
);

ALTER TABLE intervenants ADD COLUMN calendar_token TEXT;

CREATE TABLE jobs (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    payload TEXT NOT NULL,
    dedup_key TEXT,
    run_at BIGINT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    locked_until BIGINT,
    last_error TEXT,
    created_at BIGINT NOT NULL,
    done_at BIGINT,
    CONSTRAINT jobs_dedup_key_key UNIQUE (dedup_key)
);
CREATE INDEX jobs_pending ON jobs (status, run_at);
