-- GPS points partitioned by UTC day of `at`, so retention drops whole
-- partitions instead of DELETE-ing rows (see docs/operations.md, "GPS
-- partitions and retention").
--
-- No copy: the current table is renamed `gps_points_legacy` and attached as
-- the one partition holding everything before the day after the migration
-- (MINVALUE up to the next UTC midnight). That costs a sequential read or
-- two and one index build on it, never a rewrite; retention drops it whole
-- once its last day is older than HAIL_GPS_RETENTION_DAYS. A database
-- without points (a new install) just drops the empty table. Day
-- partitions (`gps_points_pYYYYMMDD`) are created by the `gps_partitions`
-- task, and by the GPS writer when a point finds none (no DEFAULT
-- partition: it would have to be scanned, under lock, each time a day
-- partition is created, and a row in it would block that day's partition).

-- The reads and the index build below are one statement each and may
-- outlast HAIL_DB_TIMEOUT_SECS on a big table: no timeout for this
-- migration's transaction only (refinery runs each in one).
SET LOCAL statement_timeout = 0;

ALTER TABLE gps_points RENAME TO gps_points_legacy;
ALTER INDEX gps_points_trip RENAME TO gps_points_legacy_trip;
-- Frees the name for the new table's key (this one goes below).
ALTER TABLE gps_points_legacy RENAME CONSTRAINT gps_points_pkey TO gps_points_legacy_id;

-- The primary key of a partitioned table must include the partition key.
CREATE TABLE gps_points (
    id          bigint GENERATED ALWAYS AS IDENTITY,
    trip_id     uuid NOT NULL,
    driver_id   uuid NOT NULL,
    lat         double precision NOT NULL,
    lng         double precision NOT NULL,
    heading     double precision,
    speed       double precision,
    at          timestamptz NOT NULL,
    received_at timestamptz NOT NULL,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
-- On the parent, so every partition gets it: `/track` and the monitor's
-- latest point per trip stay index scans (merged across partitions).
CREATE INDEX gps_points_trip ON gps_points (trip_id, id);

DO $$
DECLARE
    last_id bigint;
    latest  timestamptz;
    upper   timestamptz;
BEGIN
    SELECT max(id) INTO last_id FROM gps_points_legacy;
    IF last_id IS NULL THEN
        DROP TABLE gps_points_legacy;
        RETURN;
    END IF;
    -- New ids continue after the old ones: a track is ordered by id.
    PERFORM setval(pg_get_serial_sequence('gps_points', 'id'), last_id);
    -- `at` is at most seconds ahead of the server clock, but a row past
    -- the bound would fail the attach: cover the latest one too.
    SELECT max(at) INTO latest FROM gps_points_legacy;
    upper := (date_trunc('day', greatest(now(), latest) AT TIME ZONE 'UTC')
              + interval '1 day') AT TIME ZONE 'UTC';
    -- A partition may not have its own identity (the parent's fills `id`)
    -- nor its own primary key: the attach builds the (id, at) one.
    ALTER TABLE gps_points_legacy ALTER COLUMN id DROP IDENTITY;
    ALTER TABLE gps_points_legacy DROP CONSTRAINT gps_points_legacy_id;
    EXECUTE format(
        'ALTER TABLE gps_points ATTACH PARTITION gps_points_legacy FOR VALUES FROM (MINVALUE) TO (%L)',
        upper);
END
$$;
