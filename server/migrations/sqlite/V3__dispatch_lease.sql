-- The node running a requested trip's dispatcher holds it under a lease it
-- renews; when the node dies the lease runs out and another node takes the
-- trip over (node::dispatcher::take_over).
ALTER TABLE trips ADD COLUMN dispatch_node TEXT;
ALTER TABLE trips ADD COLUMN dispatch_lease_until INTEGER;  -- unix microseconds
CREATE INDEX trips_dispatch_lease ON trips (dispatch_lease_until) WHERE status = 'requested';
