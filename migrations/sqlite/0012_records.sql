-- Records that hold: nothing legal is deleted (it is cancelled, with who, when and why, in the
-- audit trail), certificates are issued once and dated when issued, every message of the outbox
-- belongs to an organisation, participants are tied to their structure, AMO meetings name who was
-- there, and accounts are linked to the intervenant they are.

CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY,
    org_id BIGINT REFERENCES organisations(id) ON DELETE CASCADE,
    at BIGINT NOT NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    subject TEXT NOT NULL,
    subject_id BIGINT,
    reason TEXT NOT NULL DEFAULT '',
    details TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_org ON audit_log (org_id, at);
CREATE INDEX audit_log_subject ON audit_log (subject, subject_id);

ALTER TABLE training_sessions ADD COLUMN cancelled_at BIGINT;
ALTER TABLE training_sessions ADD COLUMN cancel_reason TEXT NOT NULL DEFAULT '';

ALTER TABLE attendance ADD COLUMN correction TEXT NOT NULL DEFAULT '';

CREATE TABLE certificates (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_id BIGINT NOT NULL REFERENCES cycles(id) ON DELETE RESTRICT,
    cycle_module_id BIGINT NOT NULL REFERENCES cycle_modules(id) ON DELETE RESTRICT,
    participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE RESTRICT,
    kind TEXT NOT NULL,
    issued_at BIGINT NOT NULL,
    issued_by BIGINT REFERENCES users(id) ON DELETE SET NULL,
    attended_minutes BIGINT NOT NULL,
    planned_minutes BIGINT NOT NULL,
    content TEXT NOT NULL,
    cancelled_at BIGINT,
    cancel_reason TEXT NOT NULL DEFAULT ''
);
CREATE UNIQUE INDEX certificates_current ON certificates (cycle_module_id, participant_id, kind) WHERE cancelled_at IS NULL;
CREATE INDEX certificates_org ON certificates (org_id, issued_at);

ALTER TABLE jobs ADD COLUMN org_id BIGINT REFERENCES organisations(id) ON DELETE CASCADE;
ALTER TABLE jobs ADD COLUMN message_id TEXT;
CREATE INDEX jobs_org ON jobs (org_id, kind, created_at);

ALTER TABLE participants ADD COLUMN client_id BIGINT REFERENCES clients(id) ON DELETE SET NULL;
-- Participants already enrolled belong to the structure whose name they gave, else to the cycle's client.
UPDATE participants SET client_id = COALESCE(
    (SELECT c.id FROM clients c WHERE c.org_id = participants.org_id AND lower(c.name) = lower(participants.structure)
        AND (c.id IN (SELECT cs.client_id FROM cycle_structures cs WHERE cs.cycle_id = participants.cycle_id)
             OR c.id = (SELECT cy.client_id FROM cycles cy WHERE cy.id = participants.cycle_id)) LIMIT 1),
    (SELECT cy.client_id FROM cycles cy WHERE cy.id = participants.cycle_id AND participants.structure = ''));

ALTER TABLE amo_entries ADD COLUMN attendee_ids TEXT NOT NULL DEFAULT '[]';

-- A survey is answered from the end of the training it is about (later for the « à froid » one).
ALTER TABLE survey_invitations ADD COLUMN opens_at BIGINT NOT NULL DEFAULT 0;

-- The last line of defence: these rows are never deleted, whatever the code asks.
CREATE TRIGGER attendance_never_deleted BEFORE DELETE ON attendance
BEGIN SELECT RAISE(ABORT, 'legal record: attendance marks are never deleted'); END;
CREATE TRIGGER half_days_never_deleted BEFORE DELETE ON half_days WHEN OLD.status <> 'planned'
BEGIN SELECT RAISE(ABORT, 'legal record: an opened or locked attendance sheet is never deleted'); END;
CREATE TRIGGER certificates_never_deleted BEFORE DELETE ON certificates
BEGIN SELECT RAISE(ABORT, 'legal record: certificates are never deleted'); END;
CREATE TRIGGER audit_log_never_deleted BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit trail is never deleted'); END;
