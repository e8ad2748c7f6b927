-- The embedded store has no partitions: the `gps_partitions` task deletes
-- points past HAIL_GPS_RETENTION_DAYS in batches, and finds them (and
-- knows there are none) through this index instead of a full scan.
CREATE INDEX gps_points_at ON gps_points (at);
