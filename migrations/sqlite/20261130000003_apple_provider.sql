-- no-transaction
-- Sign in with Apple: 'apple' joins the providers users.provider and
-- oauth_states.provider accept.
--
-- SQLite cannot alter a CHECK constraint, so both tables are rebuilt by the
-- procedure of https://www.sqlite.org/lang_altertable.html#otheralter:
-- foreign keys off (which only works outside a transaction, hence
-- `no-transaction` above: sqlx would otherwise wrap this file in one), then
-- in one transaction create the new table, copy, drop the old, rename the
-- new into its place and recreate the indexes. With foreign keys on,
-- dropping users would delete every row that references it (refresh
-- tokens, sessions, interactions, password reset tokens: ON DELETE
-- CASCADE); off, those rows stay and reference the rebuilt table, whose
-- rows keep their ids. Renaming the new table (never the old one) leaves
-- the other tables' REFERENCES users clauses as they are.
PRAGMA foreign_keys = OFF;

BEGIN IMMEDIATE;

CREATE TABLE users_new (
    id               BLOB PRIMARY KEY NOT NULL,
    email            TEXT NOT NULL,
    provider         TEXT NOT NULL CHECK (provider IN ('local', 'google', 'facebook', 'apple')),
    provider_subject TEXT,
    password_hash    TEXT,
    created_at       TEXT NOT NULL
);
INSERT INTO users_new (id, email, provider, provider_subject, password_hash, created_at)
SELECT id, email, provider, provider_subject, password_hash, created_at FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
CREATE UNIQUE INDEX users_email_provider ON users (email, provider);
CREATE UNIQUE INDEX users_provider_subject ON users (provider, provider_subject)
    WHERE provider_subject IS NOT NULL;

CREATE TABLE oauth_states_new (
    state         TEXT PRIMARY KEY NOT NULL,
    provider      TEXT NOT NULL CHECK (provider IN ('google', 'facebook', 'apple')),
    nonce         TEXT NOT NULL,
    pkce_verifier TEXT NOT NULL,
    redirect_uri  TEXT,
    expires_at    TEXT NOT NULL
);
INSERT INTO oauth_states_new (state, provider, nonce, pkce_verifier, redirect_uri, expires_at)
SELECT state, provider, nonce, pkce_verifier, redirect_uri, expires_at FROM oauth_states;
DROP TABLE oauth_states;
ALTER TABLE oauth_states_new RENAME TO oauth_states;
CREATE INDEX oauth_states_expires_at ON oauth_states (expires_at);

COMMIT;

PRAGMA foreign_keys = ON;
