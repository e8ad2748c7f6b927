-- Deleted accounts stay as rows (their trips are the other party's history
-- too) but are never found by id, cannot log in and hold no refresh tokens.
ALTER TABLE users ADD COLUMN deleted_at INTEGER;
