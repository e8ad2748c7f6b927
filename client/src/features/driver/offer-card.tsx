// One incoming offer: who (and how the rider is rated), where, how far and
// how long to the pickup, the trip's length and estimated fare, a countdown,
// Accept / Decline.

import { distanceMetres, formatDistance } from '../../lib/distance.ts';
import { placeText } from '../../lib/lat-lng.ts';
import { formatMoney } from '../../lib/money-format.ts';
import type { TripUser } from '../../lib/protocol.ts';
import { offerSecondsLeft, type Offer } from '../../lib/trip-state.ts';
import { useNow } from '../../lib/use-now.ts';

export interface OfferCardProps {
  offer: Offer;
  clockOffsetMs: number;
  /** Accept or decline in flight. */
  busy: boolean;
  onAccept: () => void;
  onDecline: () => void;
}

/** "★ 4.8 (12 ratings)", or "New rider" before anyone rated them. */
export function ratingText(person: TripUser): string {
  const r = person.rating;
  if (r === undefined || r.count === 0) return 'New rider';
  return `★ ${r.average.toFixed(1)} (${r.count} rating${r.count === 1 ? '' : 's'})`;
}

/** "4 min" from seconds: whole minutes, at least one. */
export function etaText(seconds: number): string {
  return `${Math.max(1, Math.round(seconds / 60))} min`;
}

export function OfferCard({ offer, clockOffsetMs, busy, onAccept, onDecline }: OfferCardProps) {
  const now = useNow(1_000);
  const left = offerSecondsLeft(offer, now, clockOffsetMs);
  const { trip } = offer;
  const estimate = trip.estimate;
  const tripMetres = estimate?.distance_m ?? distanceMetres(trip.pickup, trip.dropoff);
  return (
    <article className="offer" aria-label="Trip offer">
      <h3 className="offer__rider">
        {trip.rider.name}{' '}
        <span className="offer__rating" aria-label="Rider rating">
          {ratingText(trip.rider)}
        </span>
      </h3>
      <p className="offer__distance">
        {formatDistance(offer.distanceM) + ' away'}
        {offer.pickupEtaS !== undefined && (
          <span aria-label="Pickup ETA">{` · ${etaText(offer.pickupEtaS)} to the pickup`}</span>
        )}
      </p>
      <dl className="facts">
        <dt>From</dt>
        <dd>{placeText(trip.pickup)}</dd>
        <dt>To</dt>
        <dd>{placeText(trip.dropoff)}</dd>
        <dt>Trip</dt>
        <dd aria-label="Trip distance">
          {formatDistance(tripMetres)}
          {estimate !== undefined && ` · about ${etaText(estimate.duration_s)}`}
        </dd>
        {estimate !== undefined && (
          <>
            <dt>Fare</dt>
            <dd aria-label="Estimated fare">
              {formatMoney(estimate.total, estimate.currency)}
              {trip.class !== undefined && <span className="muted"> ({trip.class})</span>}
            </dd>
          </>
        )}
      </dl>
      <p className={`offer__countdown${left <= 5 ? ' offer__countdown--low' : ''}`}>
        <span role="timer" aria-label="Offer countdown">
          Expires in {left} s
        </span>
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={busy} aria-busy={busy} onClick={onAccept}>
          Accept
        </button>
        <button type="button" disabled={busy} onClick={onDecline}>
          Decline
        </button>
      </div>
    </article>
  );
}
