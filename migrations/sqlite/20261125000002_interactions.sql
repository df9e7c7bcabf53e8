-- Every call that reached the LLM provider, whatever its outcome.
CREATE TABLE interactions (
    id                BLOB PRIMARY KEY NOT NULL, -- UUID v7: time-ordered
    user_id           BLOB NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind              TEXT NOT NULL CHECK (kind IN ('completion', 'coach')),
    model             TEXT NOT NULL,
    prompt            TEXT NOT NULL,
    response          TEXT,
    status            TEXT NOT NULL CHECK (status IN ('ok', 'error', 'cancelled')),
    error_code        TEXT,
    latency_ms        INTEGER NOT NULL,
    prompt_tokens     INTEGER,
    completion_tokens INTEGER,
    total_tokens      INTEGER,
    created_at        TEXT NOT NULL
);

-- History pages: one user's rows, newest first.
CREATE INDEX interactions_user_id ON interactions (user_id, id DESC);
