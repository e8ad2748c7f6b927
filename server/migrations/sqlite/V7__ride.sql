-- The ride layer (issue 13), as in Postgres: ids are UUID text, times
-- INTEGER microseconds, JSON values TEXT.

ALTER TABLE users ADD COLUMN rating_sum INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN rating_count INTEGER NOT NULL DEFAULT 0;

CREATE TABLE vehicles (
    driver_id  TEXT PRIMARY KEY REFERENCES users (id),
    make       TEXT NOT NULL,
    model      TEXT NOT NULL,
    colour     TEXT NOT NULL,
    plate      TEXT NOT NULL,
    class      TEXT NOT NULL,
    seats      INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
);

CREATE TABLE quotes (
    id              TEXT PRIMARY KEY,
    rider_id        TEXT NOT NULL REFERENCES users (id),
    class           TEXT NOT NULL,
    pickup_lat      REAL NOT NULL,
    pickup_lng      REAL NOT NULL,
    pickup_address  TEXT,
    dropoff_lat     REAL NOT NULL,
    dropoff_lng     REAL NOT NULL,
    dropoff_address TEXT,
    fare            TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL
);
CREATE INDEX quotes_expires ON quotes (expires_at);

-- cancel_reason exists since V1 (a CancelReason code when given).
ALTER TABLE trips ADD COLUMN class TEXT NOT NULL DEFAULT 'standard';
ALTER TABLE trips ADD COLUMN quote_id TEXT;
ALTER TABLE trips ADD COLUMN estimate TEXT;
ALTER TABLE trips ADD COLUMN fare TEXT;
ALTER TABLE trips ADD COLUMN vehicle TEXT;
ALTER TABLE trips ADD COLUMN cancel_fee TEXT;
CREATE INDEX trips_requested_at ON trips (requested_at);

CREATE TABLE ratings (
    trip_id    TEXT NOT NULL REFERENCES trips (id),
    rater_id   TEXT NOT NULL REFERENCES users (id),
    ratee_id   TEXT NOT NULL REFERENCES users (id),
    by_role    TEXT NOT NULL,
    stars      INTEGER NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment    TEXT,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (trip_id, rater_id)
);
CREATE INDEX ratings_ratee ON ratings (ratee_id);
