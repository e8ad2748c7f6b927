-- One row per dispatch search round, including rounds that found nobody,
-- so the monitor can show how far and how often a trip was searched.
CREATE TABLE dispatch_rounds (
    trip_id  TEXT NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    round    INTEGER NOT NULL,
    radius_m REAL NOT NULL,
    found    INTEGER NOT NULL,
    node_id  TEXT NOT NULL,
    at       INTEGER NOT NULL,  -- unix microseconds, like every time here
    PRIMARY KEY (trip_id, round)
) WITHOUT ROWID;
