-- Monitor roles, suspensions and the operator audit log (issue 15).
-- monitor_role is set for admins only: 'viewer' reads, 'operator' also
-- acts. Admins made before roles existed keep acting: they are operators.
ALTER TABLE users ADD COLUMN monitor_role text CHECK (monitor_role IN ('viewer', 'operator'));
UPDATE users SET monitor_role = 'operator' WHERE role = 'admin';
-- A suspended account cannot log in, refresh or open a socket.
ALTER TABLE users ADD COLUMN suspended_at timestamptz;

CREATE TABLE audit_log (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at             timestamptz NOT NULL,
    actor_id       uuid NOT NULL REFERENCES users (id),
    actor_username text NOT NULL,
    action         text NOT NULL,
    target         text NOT NULL,
    result         text NOT NULL,
    detail         text
);
CREATE INDEX audit_log_target ON audit_log (target, id);
