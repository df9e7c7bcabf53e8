-- Web sign-ins that end in the app (see ports/src/app_codes.rs).
--
-- oauth_states: a flow an app started keeps the app link in the existing
-- redirect_uri column, and now the app's PKCE challenge and its app_state.
ALTER TABLE oauth_states ADD COLUMN app_code_challenge TEXT;
ALTER TABLE oauth_states ADD COLUMN app_state TEXT;

-- The one-time codes the app redeems at POST /auth/exchange: only their
-- SHA-256 (hex) is stored; a row is taken (deleted) once, and expires
-- after 60 seconds.
CREATE TABLE app_codes (
    code_hash      TEXT PRIMARY KEY NOT NULL,
    user_id        BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    new_user       INTEGER NOT NULL CHECK (new_user IN (0, 1)),
    code_challenge TEXT NOT NULL,
    expires_at     TEXT NOT NULL
);

CREATE INDEX app_codes_expires_at ON app_codes (expires_at);
CREATE INDEX app_codes_user ON app_codes (user_id);
