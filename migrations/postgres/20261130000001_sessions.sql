-- Sessions (see ports/src/sessions.rs): one per sign-in, its id the
-- refresh-token family's. Ending one sets ended_at and revokes its tokens in
-- the same transaction; every authenticated request checks that its access
-- token's session is live (ended_at IS NULL AND expires_at > now).
CREATE TABLE sessions (
    id           UUID PRIMARY KEY,
    user_id      UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   TIMESTAMPTZ NOT NULL,
    -- The sign-in, then each refresh.
    last_used_at TIMESTAMPTZ NOT NULL,
    -- The newest refresh token's expiry.
    expires_at   TIMESTAMPTZ NOT NULL,
    ended_at     TIMESTAMPTZ,
    -- The client of the sign-in, then of the latest refresh.
    ip           TEXT,
    user_agent   TEXT
);

CREATE INDEX sessions_user ON sessions (user_id, created_at);

-- The sessions of a database upgraded from before this table: every family
-- with a token neither revoked nor expired. Their client is unknown.
INSERT INTO sessions (id, user_id, created_at, last_used_at, expires_at)
SELECT family_id, user_id, MIN(created_at), MAX(created_at), MAX(expires_at)
FROM refresh_tokens
WHERE revoked_at IS NULL
GROUP BY family_id, user_id;
