-- Profile photos, one per user.
CREATE TABLE user_photos (
    user_id      uuid PRIMARY KEY REFERENCES users (id),
    content_type text NOT NULL,
    bytes        bytea NOT NULL,
    updated_at   timestamptz NOT NULL
);
