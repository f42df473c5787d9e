-- A secret link with which the host structure ticks its room's checklist itself.
ALTER TABLE rooms ADD COLUMN host_token TEXT;
CREATE UNIQUE INDEX rooms_host_token ON rooms (host_token);
