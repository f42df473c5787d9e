-- Throttles reserved before a password or a signing code is checked: one row per key (an account,
-- an address), counting the attempts of the current window. One atomic upsert per attempt, so that
-- simultaneous requests, even from several server processes, each get their own count.
CREATE TABLE throttle (
    key TEXT PRIMARY KEY,
    window_start BIGINT NOT NULL,
    count BIGINT NOT NULL
);
