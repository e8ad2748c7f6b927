-- Each trip's version: 1 when requested, one more per status change. Sent
-- with every trip so clients can drop stale or duplicate updates.
ALTER TABLE trips ADD COLUMN seq bigint NOT NULL DEFAULT 1;
