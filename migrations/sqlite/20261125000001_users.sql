CREATE TABLE users (
    id               BLOB PRIMARY KEY NOT NULL,
    email            TEXT NOT NULL,
    provider         TEXT NOT NULL CHECK (provider IN ('local', 'google', 'facebook')),
    provider_subject TEXT,
    password_hash    TEXT,
    created_at       TEXT NOT NULL
);

-- One account per (email, provider): the same email may own a local and a
-- Google account, which are different users.
CREATE UNIQUE INDEX users_email_provider ON users (email, provider);
-- One account per provider identity.
CREATE UNIQUE INDEX users_provider_subject ON users (provider, provider_subject)
    WHERE provider_subject IS NOT NULL;

CREATE TABLE refresh_tokens (
    id          BLOB PRIMARY KEY NOT NULL,
    user_id     BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family_id   BLOB NOT NULL,
    token_hash  TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    spent_at    TEXT,
    revoked_at  TEXT
);

CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);
