-- Hail's schema. Every query the API makes has an index here.

CREATE TABLE users (
    id            uuid PRIMARY KEY,
    username      text NOT NULL UNIQUE,
    password_hash text NOT NULL,
    role          text NOT NULL CHECK (role IN ('rider', 'driver', 'admin')),
    name          text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Refresh tokens are stored hashed. A family is one log-in's chain of
-- rotations: presenting a used token revokes the whole family.
CREATE TABLE refresh_tokens (
    token_hash bytea PRIMARY KEY,
    user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    family     uuid NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family);

CREATE TABLE trips (
    id              uuid PRIMARY KEY,  -- UUIDv7: sorts by creation time
    rider_id        uuid NOT NULL REFERENCES users (id),
    driver_id       uuid REFERENCES users (id),
    status          text NOT NULL CHECK (status IN ('requested', 'accepted', 'arrived',
                        'in_progress', 'completed', 'cancelled', 'expired')),
    pickup_lat      double precision NOT NULL,
    pickup_lng      double precision NOT NULL,
    pickup_address  text,
    dropoff_lat     double precision NOT NULL,
    dropoff_lng     double precision NOT NULL,
    dropoff_address text,
    requested_at    timestamptz NOT NULL,
    accepted_at     timestamptz,
    arrived_at      timestamptz,
    started_at      timestamptz,
    completed_at    timestamptz,
    cancelled_at    timestamptz,
    cancelled_by    text CHECK (cancelled_by IN ('rider', 'driver', 'system')),
    cancel_reason   text,
    expired_at      timestamptz,
    node_id         text NOT NULL      -- the node that took the request
);
-- At most one active trip per rider and per driver, enforced by Postgres so
-- two nodes can never break it.
CREATE UNIQUE INDEX trips_one_active_per_rider ON trips (rider_id)
    WHERE status IN ('requested', 'accepted', 'arrived', 'in_progress');
CREATE UNIQUE INDEX trips_one_active_per_driver ON trips (driver_id)
    WHERE status IN ('accepted', 'arrived', 'in_progress');
-- Trip lists, newest first, per participant and (admin) per status.
CREATE INDEX trips_rider_newest ON trips (rider_id, id DESC);
CREATE INDEX trips_driver_newest ON trips (driver_id, id DESC) WHERE driver_id IS NOT NULL;
CREATE INDEX trips_status_newest ON trips (status, id DESC);

-- Every status change, in order.
CREATE TABLE trip_events (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trip_id     uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    from_status text,
    to_status   text NOT NULL,
    actor_id    uuid REFERENCES users (id),
    reason      text,
    node_id     text NOT NULL,
    at          timestamptz NOT NULL
);
CREATE INDEX trip_events_trip ON trip_events (trip_id, id);

-- The current offer of a trip to each driver. Outcomes: pending, accepted,
-- declined, lost (accepted too late), expired, withdrawn. Every change is a
-- conditional UPDATE from 'pending', so each offer ends exactly one way.
CREATE TABLE trip_offers (
    trip_id    uuid NOT NULL REFERENCES trips (id) ON DELETE CASCADE,
    driver_id  uuid NOT NULL REFERENCES users (id),
    round      integer NOT NULL,
    distance_m double precision NOT NULL,
    offered_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    outcome    text NOT NULL DEFAULT 'pending',
    ended_at   timestamptz,
    PRIMARY KEY (trip_id, driver_id)
);
CREATE INDEX trip_offers_pending ON trip_offers (trip_id) WHERE outcome = 'pending';

-- Drivers' GPS points while on a trip, written in batches by COPY. No
-- foreign keys: the writer must stay fast, and trip ids come from the server.
CREATE TABLE gps_points (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    trip_id     uuid NOT NULL,
    driver_id   uuid NOT NULL,
    lat         double precision NOT NULL,
    lng         double precision NOT NULL,
    heading     double precision,
    speed       double precision,
    at          timestamptz NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE INDEX gps_points_trip ON gps_points (trip_id, id);
