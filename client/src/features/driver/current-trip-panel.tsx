// The driver's "Current trip" region: status, rider, places, and the buttons
// the status allows ("Arrived", "Start trip", "Complete trip", "Cancel trip").

import { distanceMetres, formatDistance } from '../../lib/distance.ts';
import { placeText } from '../../lib/lat-lng.ts';
import type { Position, Trip } from '../../lib/protocol.ts';
import {
  DRIVER_ACTION_LABEL,
  DRIVER_HINT,
  STATUS_WORD,
  cancelledByText,
  driverActions,
  isEnded,
  type DriverAction,
} from '../../lib/trip-status.ts';
import { simTarget } from './drive-step.ts';

export interface CurrentTripPanelProps {
  trip: Trip | null;
  car: Position | null;
  online: boolean;
  /** A command is in flight: the buttons wait. */
  busy: boolean;
  onAction: (action: DriverAction) => void;
  onDismiss: () => void;
}

export function CurrentTripPanel({ trip, car, online, busy, onAction, onDismiss }: CurrentTripPanelProps) {
  if (trip === null) {
    return (
      <section className="panel current-trip" aria-label="Current trip">
        <h2>Current trip</h2>
        <p className="muted">
          No current trip. {online ? 'Accept an offer to start one.' : 'Go online to receive offers.'}
        </p>
      </section>
    );
  }
  const target = simTarget(trip);
  const toTarget = target !== null && car !== null ? distanceMetres(car, target) : null;
  return (
    <section className={`panel current-trip trip-status--${trip.status}`} aria-label="Current trip">
      <h2>Current trip</h2>
      <p className="status-line">
        <span className={`status status--${trip.status}`}>{STATUS_WORD[trip.status]}</span>{' '}
        <span>
          {trip.status === 'cancelled' ? `${cancelledByText(trip.cancelled_by, 'driver')}.` : DRIVER_HINT[trip.status]}
        </span>
      </p>
      <dl className="facts">
        <dt>Rider</dt>
        <dd>{trip.rider.name}</dd>
        <dt>From</dt>
        <dd>{placeText(trip.pickup)}</dd>
        <dt>To</dt>
        <dd>{placeText(trip.dropoff)}</dd>
        {toTarget !== null && (
          <>
            <dt>{trip.status === 'accepted' ? 'To the pickup' : 'To the dropoff'}</dt>
            <dd>{formatDistance(toTarget)}</dd>
          </>
        )}
      </dl>
      <div className="actions">
        {driverActions(trip.status).map((action) => (
          <button
            key={action}
            type="button"
            className={action === 'cancel' ? 'danger' : 'primary'}
            disabled={busy}
            aria-busy={busy}
            onClick={() => onAction(action)}
          >
            {DRIVER_ACTION_LABEL[action]}
          </button>
        ))}
        {isEnded(trip.status) && (
          <button type="button" onClick={onDismiss}>
            Dismiss
          </button>
        )}
      </div>
    </section>
  );
}
