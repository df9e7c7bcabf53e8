-- Pending OAuth web sign-ins: one row per `state`, taken (deleted) once by
-- its callback, and expired after 10 minutes.
CREATE TABLE oauth_states (
    state         TEXT PRIMARY KEY,
    provider      TEXT NOT NULL CHECK (provider IN ('google', 'facebook')),
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_uri  TEXT,
    expires_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);
