-- One row per dispatch search round, including rounds that found nobody,
-- so the monitor can show how far and how often a trip was searched.
CREATE TABLE dispatch_rounds (
    trip_id  uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    round    integer NOT NULL,
    radius_m double precision NOT NULL,
    found    integer NOT NULL,
    node_id  text NOT NULL,
    at       timestamptz NOT NULL,
    PRIMARY KEY (trip_id, round)
);
