-- Usernames are unique case-insensitively: `Ann` cannot sign up once `ann`
-- exists, and log-in matches `lower(username)` through this index.
--
-- Existing accounts that differ only in case are not renamed (that would
-- silently change someone's log-in name): the migration stops with the
-- list, and an operator renames all but one of each, e.g.
--   UPDATE users SET username = 'ann-2' WHERE id = '...';
-- then runs `hail migrate` again.
DO $$
DECLARE
    clashes text;
BEGIN
    SELECT string_agg(name, ', ') INTO clashes
    FROM (SELECT lower(username) AS name FROM users GROUP BY 1 HAVING count(*) > 1) d;
    IF clashes IS NOT NULL THEN
        RAISE EXCEPTION 'usernames that differ only in case: %; rename all but one of each, then run hail migrate again', clashes;
    END IF;
END $$;

CREATE UNIQUE INDEX users_username_lower ON users (lower(username));
