// The rider's "Trip status" region: a heading per status (exact texts in
// lib/trip-status.ts), the driver's name and live position, and the buttons
// the status allows ("Cancel trip" while cancellable, "New trip" once ended).

import { distanceMetres, formatDistance } from '../../lib/distance.ts';
import { formatLatLng, placeText } from '../../lib/lat-lng.ts';
import type { Trip } from '../../lib/protocol.ts';
import type { DriverFix } from '../../lib/trip-state.ts';
import { RIDER_ACTION_LABEL, RIDER_HEADING, cancelledByText, isActive, riderActions } from '../../lib/trip-status.ts';

export interface TripStatusPanelProps {
  trip: Trip;
  driverPosition: DriverFix | null;
  /** A command is in flight: its buttons wait. */
  busy: boolean;
  onCancel: () => void;
  onNewTrip: () => void;
}

export function TripStatusPanel({ trip, driverPosition, busy, onCancel, onNewTrip }: TripStatusPanelProps) {
  const actions = riderActions(trip.status);
  const active = isActive(trip.status);
  const toPickup =
    driverPosition !== null && (trip.status === 'accepted' || trip.status === 'arrived')
      ? distanceMetres(driverPosition, trip.pickup)
      : null;
  const toDropoff =
    driverPosition !== null && trip.status === 'in_progress' ? distanceMetres(driverPosition, trip.dropoff) : null;

  return (
    <section className={`panel trip-status trip-status--${trip.status}`} aria-label="Trip status">
      <h2>{RIDER_HEADING[trip.status]}</h2>
      {trip.status === 'requested' && <p className="muted">Offering your trip to drivers nearby…</p>}
      {trip.status === 'cancelled' && <p>{cancelledByText(trip.cancelled_by, 'rider')}.</p>}
      {trip.status === 'expired' && <p>No driver accepted your request in time. Try again in a moment.</p>}
      <dl className="facts">
        {trip.driver !== null && (
          <>
            <dt>Driver</dt>
            <dd>{trip.driver.name}</dd>
          </>
        )}
        {active && driverPosition !== null && (
          <>
            <dt>Driver position</dt>
            <dd aria-label="Driver position">{formatLatLng(driverPosition, 5)}</dd>
          </>
        )}
        {toPickup !== null && (
          <>
            <dt>To the pickup</dt>
            <dd>{formatDistance(toPickup)}</dd>
          </>
        )}
        {toDropoff !== null && (
          <>
            <dt>To the dropoff</dt>
            <dd>{formatDistance(toDropoff)}</dd>
          </>
        )}
        <dt>From</dt>
        <dd>{placeText(trip.pickup)}</dd>
        <dt>To</dt>
        <dd>{placeText(trip.dropoff)}</dd>
      </dl>
      {trip.driver !== null && active && driverPosition === null && (
        <p className="muted">Waiting for the driver's position…</p>
      )}
      <div className="actions">
        {actions.includes('cancel') && (
          <button type="button" className="danger" disabled={busy} aria-busy={busy} onClick={onCancel}>
            {RIDER_ACTION_LABEL.cancel}
          </button>
        )}
        {actions.includes('new_trip') && (
          <button type="button" className="primary" onClick={onNewTrip}>
            {RIDER_ACTION_LABEL.new_trip}
          </button>
        )}
      </div>
    </section>
  );
}
