-- Forgot-password tokens (see ports/src/reset_tokens.rs): only the SHA-256
-- (hex) of the token mailed is stored; used_at marks a token spent or
-- superseded by a newer request of the same user.
CREATE TABLE password_reset_tokens (
    token_hash TEXT PRIMARY KEY,
    user_id    UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    used_at    TIMESTAMPTZ
);

CREATE INDEX password_reset_tokens_user ON password_reset_tokens (user_id);
