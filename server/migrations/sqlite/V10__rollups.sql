-- Per-minute rollups of each node (the monitor's history): one row per
-- (minute, node), rewritten in place, so restarts never double count.
-- `trips` holds the status-change counts as JSON (a `TripCounts`);
-- `minute` is microseconds since the epoch like every time here.
CREATE TABLE monitor_rollups (
    minute      INTEGER NOT NULL,
    node_id     TEXT    NOT NULL,
    trips       TEXT    NOT NULL,
    samples     INTEGER NOT NULL DEFAULT 0,
    p50_ms      REAL,
    p90_ms      REAL,
    p99_ms      REAL,
    gps_points  INTEGER NOT NULL DEFAULT 0,
    connections INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, node_id)
);
CREATE INDEX trip_events_at ON trip_events (at);
