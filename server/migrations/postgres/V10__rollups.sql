-- Per-minute rollups of each node (the monitor's history): one row per
-- (minute, node), rewritten in place, so restarts never double count.
-- `trips` holds the status-change counts as JSON (a `TripCounts`).
CREATE TABLE monitor_rollups (
    minute      timestamptz      NOT NULL,
    node_id     text             NOT NULL,
    trips       text             NOT NULL,
    samples     bigint           NOT NULL DEFAULT 0,
    p50_ms      double precision,
    p90_ms      double precision,
    p99_ms      double precision,
    gps_points  bigint           NOT NULL DEFAULT 0,
    connections bigint           NOT NULL DEFAULT 0,
    PRIMARY KEY (minute, node_id)
);
CREATE INDEX trip_events_at ON trip_events (at);
