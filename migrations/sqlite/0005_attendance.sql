-- Attendance per half-day (émargement), its audit trail, surveys, complaints, and the client
-- contact's account linked to their structure.

CREATE TABLE half_days (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    session_id BIGINT NOT NULL REFERENCES training_sessions(id) ON DELETE CASCADE,
    part TEXT NOT NULL,
    start_at BIGINT NOT NULL,
    end_at BIGINT NOT NULL,
    minutes BIGINT NOT NULL,
    status TEXT NOT NULL,
    code TEXT,
    opened_at BIGINT,
    opened_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    locked_at BIGINT,
    locked_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    trainer_name TEXT,
    trainer_signature TEXT,
    CONSTRAINT half_days_session_part_key UNIQUE (session_id, part)
);

CREATE TABLE attendance (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    half_day_id BIGINT NOT NULL REFERENCES half_days(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    late_minutes BIGINT NOT NULL DEFAULT 0,
    signature TEXT,
    method TEXT NOT NULL,
    actor TEXT NOT NULL,
    ip TEXT NOT NULL DEFAULT '',
    at BIGINT NOT NULL
);
CREATE INDEX attendance_half_day ON attendance (half_day_id, participant_id, id);
CREATE INDEX attendance_participant ON attendance (participant_id);

CREATE TABLE sign_attempts (
    id INTEGER PRIMARY KEY,
    participant_id BIGINT NOT NULL,
    ip TEXT NOT NULL,
    at BIGINT NOT NULL
);
CREATE INDEX sign_attempts_participant ON sign_attempts (participant_id, at);
CREATE INDEX sign_attempts_ip ON sign_attempts (ip, at);

ALTER TABLE users ADD COLUMN client_id BIGINT REFERENCES clients(id) ON DELETE SET NULL;

CREATE TABLE survey_templates (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    audience TEXT NOT NULL,
    questions TEXT NOT NULL,
    anonymous INTEGER NOT NULL DEFAULT 1,
    cold_weeks BIGINT NOT NULL DEFAULT 8,
    updated_at BIGINT NOT NULL,
    CONSTRAINT survey_templates_org_audience_key UNIQUE (org_id, audience)
);

CREATE TABLE survey_invitations (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_module_id BIGINT NOT NULL REFERENCES cycle_modules(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    name TEXT NOT NULL,
    email TEXT NOT NULL,
    token TEXT NOT NULL,
    questions TEXT NOT NULL,
    anonymous INTEGER NOT NULL,
    created_at BIGINT NOT NULL,
    answered_at BIGINT,
    CONSTRAINT survey_invitations_token_key UNIQUE (token),
    CONSTRAINT survey_invitations_unique_key UNIQUE (cycle_module_id, kind, audience, email)
);

CREATE TABLE survey_responses (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_module_id BIGINT NOT NULL REFERENCES cycle_modules(id) ON DELETE CASCADE,
    kind TEXT NOT NULL,
    audience TEXT NOT NULL,
    respondent TEXT,
    answers TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX survey_responses_module ON survey_responses (cycle_module_id, kind);
CREATE INDEX survey_responses_org ON survey_responses (org_id, created_at);

CREATE TABLE complaints (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT REFERENCES cycles(id) ON DELETE SET NULL,
    received_at TEXT NOT NULL,
    author TEXT NOT NULL,
    channel TEXT NOT NULL,
    subject TEXT NOT NULL,
    description TEXT NOT NULL,
    status TEXT NOT NULL,
    actions TEXT NOT NULL DEFAULT '',
    closed_at TEXT,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX complaints_org ON complaints (org_id, received_at);

ALTER TABLE organisations ADD COLUMN indicators_public INTEGER NOT NULL DEFAULT 0;
