-- Forgot-password tokens (see ports/src/reset_tokens.rs): only the SHA-256
-- (hex) of the token mailed is stored; used_at marks a token spent or
-- superseded by a newer request of the same user.
CREATE TABLE password_reset_tokens (
    token_hash TEXT PRIMARY KEY NOT NULL,
    user_id    BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at    TEXT
);

CREATE INDEX password_reset_tokens_user ON password_reset_tokens (user_id);
