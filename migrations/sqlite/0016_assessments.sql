-- Positioning before a training and assessment after it (Qualiopi indicators 8 and 11). Each row is
-- one participant's questionnaire of one phase for one module of a cycle, with the objectives and
-- questions it was sent with (editing the catalogue never changes what was answered), and, once
-- answered, the answers; what the intervenant decides to adapt is kept beside, never rewritten.

CREATE TABLE assessments (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_module_id BIGINT NOT NULL REFERENCES cycle_modules(id) ON DELETE CASCADE,
    participant_id BIGINT NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    phase TEXT NOT NULL,
    objectives TEXT NOT NULL,
    questions TEXT NOT NULL,
    sent_at BIGINT NOT NULL,
    opens_at BIGINT NOT NULL,
    closes_at BIGINT NOT NULL,
    reminded_at BIGINT,
    reminders BIGINT NOT NULL DEFAULT 0,
    answers TEXT,
    expectations TEXT NOT NULL DEFAULT '',
    needs TEXT NOT NULL DEFAULT '',
    answered_at BIGINT,
    CONSTRAINT assessments_unique_key UNIQUE (cycle_module_id, participant_id, phase)
);
CREATE INDEX assessments_module ON assessments (org_id, cycle_module_id, phase);
CREATE INDEX assessments_participant ON assessments (participant_id);

CREATE TABLE assessment_adaptations (
    id INTEGER PRIMARY KEY,
    org_id BIGINT NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    cycle_module_id BIGINT NOT NULL REFERENCES cycle_modules(id) ON DELETE CASCADE,
    text TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    author TEXT NOT NULL,
    created_at BIGINT NOT NULL
);
CREATE INDEX assessment_adaptations_module ON assessment_adaptations (org_id, cycle_module_id, created_at);
