-- Monitor roles, suspensions and the operator audit log (issue 15).
-- monitor_role is set for admins only: 'viewer' reads, 'operator' also
-- acts. Admins made before roles existed keep acting: they are operators.
ALTER TABLE users ADD COLUMN monitor_role TEXT CHECK (monitor_role IN ('viewer', 'operator'));
UPDATE users SET monitor_role = 'operator' WHERE role = 'admin';
-- A suspended account cannot log in, refresh or open a socket (micros).
ALTER TABLE users ADD COLUMN suspended_at INTEGER;

CREATE TABLE audit_log (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    at             INTEGER NOT NULL,
    actor_id       TEXT NOT NULL REFERENCES users (id),
    actor_username TEXT NOT NULL,
    action         TEXT NOT NULL,
    target         TEXT NOT NULL,
    result         TEXT NOT NULL,
    detail         TEXT
);
CREATE INDEX audit_log_target ON audit_log (target, id);
