-- Hail's embedded schema: the Postgres schema in SQLite terms. Ids are
-- UUID text (UUIDv7 text sorts by creation time); times are INTEGER
-- microseconds since the Unix epoch.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('rider', 'driver', 'admin')),
    name          TEXT NOT NULL,
    created_at    INTEGER NOT NULL
);

CREATE TABLE refresh_tokens (
    token_hash BLOB PRIMARY KEY,
    user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     TEXT NOT NULL,
    expires_at INTEGER NOT NULL,
    used_at    INTEGER,
    created_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

CREATE TABLE trips (
    id              TEXT PRIMARY KEY,
    rider_id        TEXT NOT NULL REFERENCES users (id),
    driver_id       TEXT REFERENCES users (id),
    status          TEXT NOT NULL CHECK (status IN ('requested', 'accepted', 'arrived',
                        'in_progress', 'completed', 'cancelled', 'expired')),
    pickup_lat      REAL NOT NULL,
    pickup_lng      REAL NOT NULL,
    pickup_address  TEXT,
    dropoff_lat     REAL NOT NULL,
    dropoff_lng     REAL NOT NULL,
    dropoff_address TEXT,
    requested_at    INTEGER NOT NULL,
    accepted_at     INTEGER,
    arrived_at      INTEGER,
    started_at      INTEGER,
    completed_at    INTEGER,
    cancelled_at    INTEGER,
    cancelled_by    TEXT CHECK (cancelled_by IN ('rider', 'driver', 'system')),
    cancel_reason   TEXT,
    expired_at      INTEGER,
    node_id         TEXT NOT NULL
);
CREATE UNIQUE INDEX trips_one_active_per_rider ON trips (rider_id)
    WHERE status IN ('requested', 'accepted', 'arrived', 'in_progress');
CREATE UNIQUE INDEX trips_one_active_per_driver ON trips (driver_id)
    WHERE status IN ('accepted', 'arrived', 'in_progress');
CREATE INDEX trips_rider_newest ON trips (rider_id, id DESC);
CREATE INDEX trips_driver_newest ON trips (driver_id, id DESC) WHERE driver_id IS NOT NULL;
CREATE INDEX trips_status_newest ON trips (status, id DESC);

CREATE TABLE trip_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    trip_id     TEXT NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    from_status TEXT,
    to_status   TEXT NOT NULL,
    actor_id    TEXT REFERENCES users (id),
    reason      TEXT,
    node_id     TEXT NOT NULL,
    at          INTEGER NOT NULL
);
CREATE INDEX trip_events_trip ON trip_events (trip_id, id);

CREATE TABLE trip_offers (
    trip_id    TEXT NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    driver_id  TEXT NOT NULL REFERENCES users (id),
    round      INTEGER NOT NULL,
    distance_m REAL NOT NULL,
    offered_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    outcome    TEXT NOT NULL DEFAULT 'pending',
    ended_at   INTEGER,
    PRIMARY KEY (trip_id, driver_id)
);
CREATE INDEX trip_offers_pending ON trip_offers (trip_id) WHERE outcome = 'pending';

CREATE TABLE gps_points (
    id          INTEGER PRIMARY KEY,
    trip_id     TEXT NOT NULL,
    driver_id   TEXT NOT NULL,
    lat         REAL NOT NULL,
    lng         REAL NOT NULL,
    heading     REAL,
    speed       REAL,
    at          INTEGER NOT NULL,
    received_at INTEGER NOT NULL
);
CREATE INDEX gps_points_trip ON gps_points (trip_id, id);
