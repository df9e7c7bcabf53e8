-- History retention (history.retention_days): the background task deletes
-- the oldest rows created before a cutoff, a small batch at a time; this
-- index finds them without scanning the table.
CREATE INDEX interactions_created_at ON interactions (created_at);
