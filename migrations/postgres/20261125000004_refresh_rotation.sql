-- Refresh-token rotation (see ports/src/refresh_tokens.rs):
-- parent_id: the token spent to issue this one (NULL for a family's first).
-- grace_closed_at: when this spent token lost its grace, either because it
-- was presented once within the grace or because a successor was spent.
ALTER TABLE refresh_tokens ADD COLUMN parent_id UUID;
ALTER TABLE refresh_tokens ADD COLUMN grace_closed_at TIMESTAMPTZ;
