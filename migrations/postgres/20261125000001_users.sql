CREATE TABLE users (
    id               UUID PRIMARY KEY,
    email            TEXT NOT NULL,
    provider         TEXT NOT NULL CHECK (provider IN ('local', 'google', 'facebook')),
    provider_subject TEXT,
    password_hash    TEXT,
    created_at       TIMESTAMPTZ NOT NULL
);

-- One account per (email, provider): the same email may own a local and a
-- Google account, which are different users.
CREATE UNIQUE INDEX users_email_provider ON users (email, provider);
-- One account per provider identity.
CREATE UNIQUE INDEX users_provider_subject ON users (provider, provider_subject)
    WHERE provider_subject IS NOT NULL;

CREATE TABLE refresh_tokens (
    id          UUID PRIMARY KEY,
    user_id     UUID NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   UUID NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    spent_at    TIMESTAMPTZ,
    revoked_at  TIMESTAMPTZ
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
