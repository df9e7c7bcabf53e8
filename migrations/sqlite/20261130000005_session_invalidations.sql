-- Session invalidations (see adapters/src/storage/session_cache): each
-- ended session, deleted user or changed password, in order, for the
-- other server processes on this file to drop what they cached. Written in
-- the transaction that makes the change; read by each process every 100 ms;
-- rows older than ten minutes are deleted. (PostgreSQL carries the same
-- signal by NOTIFY instead.)
CREATE TABLE session_invalidations (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id    BLOB NOT NULL,
    -- NULL: every session of the user.
    session_id BLOB,
    at         TEXT NOT NULL
);
