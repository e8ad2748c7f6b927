// The rider's "Trip status" region: a heading per status (exact texts in
// lib/trip-status.ts), the driver (name, rating, vehicle and plate), the
// live ETA and position, the price (estimate, then the final fare, or the
// cancellation fee), and the buttons the status allows ("Cancel trip" opens
// the reason form while cancellable, "New trip" once ended). The region
// takes the focus when a trip appears, so a screen reader follows the
// request. It has exactly one heading (the e2e contract reads it).

import { useEffect, useRef, useState } from 'react';
import { distanceMetres, formatDistance } from '../../lib/distance.ts';
import { formatLatLng, placeText } from '../../lib/lat-lng.ts';
import { formatMoney } from '../../lib/money-format.ts';
import type { Trip } from '../../lib/protocol.ts';
import type { RatingSummary, Vehicle } from '../../lib/ride-protocol.ts';
import type { DriverFix } from '../../lib/trip-state.ts';
import { RIDER_ACTION_LABEL, RIDER_HEADING, cancelledByText, isActive, riderActions } from '../../lib/trip-status.ts';
import { CancelForm } from './cancel-form.tsx';
import { CANCEL_REASON_TEXT, type CancelFeeRule, type RiderCancelReason } from './cancel-reasons.ts';
import { etaText } from './eta.ts';
import { classLabel } from './quote-choice.ts';

export interface TripStatusPanelProps {
  trip: Trip;
  driverPosition: DriverFix | null;
  /** Seconds to the pickup (or dropoff) now, counting down between fixes; null without an ETA. */
  etaSeconds?: number | null;
  /** What cancelling costs right now (the fare table's rule). */
  cancelFee?: CancelFeeRule;
  /** A command is in flight: its buttons wait. */
  busy: boolean;
  onCancel: (code: RiderCancelReason, reason: string | undefined) => void;
  onNewTrip: () => void;
}

export function TripStatusPanel({
  trip,
  driverPosition,
  etaSeconds = null,
  cancelFee = { kind: 'free' },
  busy,
  onCancel,
  onNewTrip,
}: TripStatusPanelProps) {
  const actions = riderActions(trip.status);
  const active = isActive(trip.status);
  const [cancelling, setCancelling] = useState(false);
  const region = useRef<HTMLElement>(null);
  const toPickup =
    driverPosition !== null && (trip.status === 'accepted' || trip.status === 'arrived')
      ? distanceMetres(driverPosition, trip.pickup)
      : null;
  const toDropoff =
    driverPosition !== null && trip.status === 'in_progress' ? distanceMetres(driverPosition, trip.dropoff) : null;
  const showEta = etaSeconds !== null && (trip.status === 'accepted' || trip.status === 'in_progress');
  const canCancel = actions.includes('cancel');

  // A new trip on screen (just requested, or found at log-in): the status is where to look.
  useEffect(() => {
    region.current?.focus();
  }, [trip.id]);

  return (
    <section
      ref={region}
      tabIndex={-1}
      className={`panel trip-status trip-status--${trip.status}`}
      aria-label="Trip status"
    >
      <h2>{RIDER_HEADING[trip.status]}</h2>
      {trip.status === 'requested' && <p className="muted">Offering your trip to drivers nearby…</p>}
      {trip.status === 'cancelled' && <p>{cancelledByText(trip.cancelled_by, 'rider')}.</p>}
      {trip.status === 'expired' && <p>No driver accepted your request in time. Try again in a moment.</p>}
      {showEta && (
        <p className="eta" role="timer" aria-label="Driver ETA">
          {etaText(etaSeconds, driverPosition?.eta_to ?? (trip.status === 'in_progress' ? 'dropoff' : 'pickup'))}
        </p>
      )}
      <dl className="facts">
        {trip.driver !== null && (
          <>
            <dt>Driver</dt>
            <dd>
              {trip.driver.name} <DriverRating rating={trip.driver.rating} />
            </dd>
            {trip.driver.vehicle !== undefined && <VehicleFacts vehicle={trip.driver.vehicle} />}
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
        {trip.class !== undefined && (
          <>
            <dt>Class</dt>
            <dd>{classLabel(trip.class)}</dd>
          </>
        )}
        {trip.fare !== undefined ? (
          <>
            <dt>Fare</dt>
            <dd aria-label="Fare">{formatMoney(trip.fare.total, trip.fare.currency)}</dd>
          </>
        ) : (
          trip.estimate !== undefined &&
          trip.status !== 'cancelled' &&
          trip.status !== 'expired' && (
            <>
              <dt>Estimate</dt>
              <dd aria-label="Estimate">{formatMoney(trip.estimate.total, trip.estimate.currency)}</dd>
            </>
          )
        )}
        {trip.cancel_reason !== undefined && (
          <>
            <dt>Reason</dt>
            <dd>{CANCEL_REASON_TEXT[trip.cancel_reason]}</dd>
          </>
        )}
        {trip.status === 'cancelled' && (
          <>
            <dt>Cancellation fee</dt>
            <dd aria-label="Cancellation fee">
              {trip.cancel_fee !== undefined ? formatMoney(trip.cancel_fee.amount, trip.cancel_fee.currency) : 'None'}
            </dd>
          </>
        )}
      </dl>
      {trip.driver !== null && active && driverPosition === null && (
        <p className="muted">Waiting for the driver's position…</p>
      )}
      {canCancel && cancelling && (
        <CancelForm
          fee={cancelFee}
          busy={busy}
          onConfirm={(code, reason) => onCancel(code, reason)}
          onKeep={() => setCancelling(false)}
        />
      )}
      <div className="actions">
        {canCancel && !cancelling && (
          <button type="button" className="danger" disabled={busy} onClick={() => setCancelling(true)}>
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

function DriverRating({ rating }: { rating: RatingSummary | undefined }) {
  if (rating === undefined || rating.count === 0) return <span className="muted rating">(no ratings yet)</span>;
  return (
    <span className="rating" aria-label="Driver rating">
      ★ {rating.average.toFixed(1)} ({rating.count})
    </span>
  );
}

function VehicleFacts({ vehicle }: { vehicle: Vehicle }) {
  return (
    <>
      <dt>Vehicle</dt>
      <dd aria-label="Vehicle">
        {vehicle.colour} {vehicle.make} {vehicle.model}
      </dd>
      <dt>Plate</dt>
      <dd aria-label="Plate" className="plate">
        {vehicle.plate}
      </dd>
    </>
  );
}
