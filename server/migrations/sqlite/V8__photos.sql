-- Profile photos, one per user.
CREATE TABLE user_photos (
    user_id      TEXT PRIMARY KEY REFERENCES users (id),
    content_type TEXT NOT NULL,
    bytes        BLOB NOT NULL,
    updated_at   INTEGER NOT NULL
);
