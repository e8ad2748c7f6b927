// One incoming offer: who, where, how far, a countdown, Accept / Decline.

import { distanceMetres, formatDistance } from '../../lib/distance.ts';
import { placeText } from '../../lib/lat-lng.ts';
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

export function OfferCard({ offer, clockOffsetMs, busy, onAccept, onDecline }: OfferCardProps) {
  const now = useNow(1_000);
  const left = offerSecondsLeft(offer, now, clockOffsetMs);
  const { trip } = offer;
  return (
    <article className="offer" aria-label="Trip offer">
      <h3 className="offer__rider">{trip.rider.name}</h3>
      <p className="offer__distance">{formatDistance(offer.distanceM)} away</p>
      <dl className="facts">
        <dt>From</dt>
        <dd>{placeText(trip.pickup)}</dd>
        <dt>To</dt>
        <dd>{placeText(trip.dropoff)}</dd>
        <dt>Trip</dt>
        <dd>{formatDistance(distanceMetres(trip.pickup, trip.dropoff))}</dd>
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
