-- The ride layer (issue 13): prices, vehicles, ratings, quotes, cancel
-- reasons. JSON values (fare breakdowns, vehicle snapshots, money) are
-- text, as in the embedded store, so both share their SQL and row mapping.

-- Each person's received ratings, kept beside the account so a trip read
-- gets both parties' ratings from the users rows it already joins.
ALTER TABLE users
    ADD COLUMN rating_sum   bigint NOT NULL DEFAULT 0,
    ADD COLUMN rating_count bigint NOT NULL DEFAULT 0;

-- A driver's registered vehicle; its class decides which trips they are
-- offered (a driver without one counts as 'standard').
CREATE TABLE vehicles (
    driver_id  uuid PRIMARY KEY REFERENCES users (id),
    make       text NOT NULL,
    model      text NOT NULL,
    colour     text NOT NULL,
    plate      text NOT NULL,
    class      text NOT NULL,
    seats      smallint NOT NULL,
    updated_at timestamptz NOT NULL
);

-- Priced offers to ride, valid until expires_at (then pruned).
CREATE TABLE quotes (
    id              uuid PRIMARY KEY,
    rider_id        uuid NOT NULL REFERENCES users (id),
    class           text NOT NULL,
    pickup_lat      double precision NOT NULL,
    pickup_lng      double precision NOT NULL,
    pickup_address  text,
    dropoff_lat     double precision NOT NULL,
    dropoff_lng     double precision NOT NULL,
    dropoff_address text,
    fare            text NOT NULL,     -- JSON FareBreakdown
    created_at      timestamptz NOT NULL,
    expires_at      timestamptz NOT NULL
);
CREATE INDEX quotes_expires ON quotes (expires_at);

-- cancel_reason exists since V1: it now holds a CancelReason code when the
-- canceller gave one (else, as before, the free-text reason).
ALTER TABLE trips
    ADD COLUMN class      text NOT NULL DEFAULT 'standard',
    ADD COLUMN quote_id   uuid,
    ADD COLUMN estimate   text,            -- JSON FareBreakdown
    ADD COLUMN fare       text,            -- JSON FareBreakdown
    ADD COLUMN vehicle    text,            -- JSON Vehicle, snapshot at accept
    ADD COLUMN cancel_fee text;            -- JSON Money
-- Recent pickups (surge demand).
CREATE INDEX trips_requested_at ON trips (requested_at);

-- One rating per rater and trip.
CREATE TABLE ratings (
    trip_id    uuid NOT NULL REFERENCES trips (id),
    rater_id   uuid NOT NULL REFERENCES users (id),
    ratee_id   uuid NOT NULL REFERENCES users (id),
    by_role    text NOT NULL,
    stars      smallint NOT NULL CHECK (stars BETWEEN 1 AND 5),
    comment    text,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (trip_id, rater_id)
);
CREATE INDEX ratings_ratee ON ratings (ratee_id);
