// After a trip: "Trip summary" with the final fare's breakdown, the receipt
// (`GET /api/trips/{id}/receipt`, on demand) and the rider's rating of the
// driver (1-5 stars and an optional comment, once: the server answers a
// second one 409, shown as "already rated"). The receipt's ratings tell
// whether this rider rated the trip already (another tab, a reload).

import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, errorText } from '../../lib/api.ts';
import { placeText } from '../../lib/lat-lng.ts';
import { formatMoney } from '../../lib/money-format.ts';
import { MAX_REASON_CHARS, type Trip } from '../../lib/protocol.ts';
import type { Receipt } from '../../lib/ride-protocol.ts';
import { STATUS_WORD } from '../../lib/trip-status.ts';
import { FareBreakdown } from './fare-breakdown.tsx';
import { classLabel } from './quote-choice.ts';
import type { RideApi } from './ride-api.ts';

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

export interface TripSummaryProps {
  trip: Trip;
  api: RideApi;
}

type ReceiptState = { state: 'loading' } | { state: 'ready'; receipt: Receipt } | { state: 'failed'; error: string };

export function TripSummary({ trip, api }: TripSummaryProps) {
  const [receipt, setReceipt] = useState<ReceiptState>({ state: 'loading' });
  const [showReceipt, setShowReceipt] = useState(false);
  const [nonce, setNonce] = useState(0);

  useEffect(() => {
    let live = true;
    setReceipt({ state: 'loading' });
    api.receipt(trip.id).then(
      (r) => live && setReceipt({ state: 'ready', receipt: r }),
      (e: unknown) => live && setReceipt({ state: 'failed', error: `Could not load the receipt: ${errorText(e)}` }),
    );
    return () => {
      live = false;
    };
  }, [api, trip.id, trip.status, nonce]);

  const reload = useCallback(() => setNonce((n) => n + 1), []);
  const rated = receipt.state === 'ready' ? receipt.receipt.ratings.find((r) => r.by === 'rider') : undefined;

  return (
    <section className="panel trip-summary" aria-label="Trip summary">
      {trip.fare !== undefined && (
        <>
          <h2>Final fare</h2>
          <FareBreakdown fare={trip.fare} label="Final fare" />
        </>
      )}
      <div className="actions">
        <button
          type="button"
          aria-expanded={showReceipt}
          onClick={() => {
            // Opening reads it again: the driver's rating may have come since.
            if (!showReceipt) reload();
            setShowReceipt(!showReceipt);
          }}
        >
          {showReceipt ? 'Hide receipt' : 'View receipt'}
        </button>
      </div>
      {showReceipt && <ReceiptView state={receipt} onRetry={reload} />}
      {trip.status === 'completed' && trip.driver !== null && (
        <RateDriver
          driverName={trip.driver.name}
          already={rated?.stars ?? null}
          checking={receipt.state === 'loading'}
          onRate={async (stars, comment) => {
            await api.rate(trip.id, stars, comment);
            reload();
          }}
        />
      )}
    </section>
  );
}

function ReceiptView({ state, onRetry }: { state: ReceiptState; onRetry: () => void }) {
  if (state.state === 'loading') return <p className="muted">Loading the receipt…</p>;
  if (state.state === 'failed') {
    return (
      <div className="error-box">
        <p role="alert">{state.error}</p>
        <button type="button" onClick={onRetry}>
          Retry
        </button>
      </div>
    );
  }
  const r = state.receipt;
  return (
    <div className="receipt" role="region" aria-label="Receipt">
      <dl className="facts">
        <dt>Trip</dt>
        <dd>…{r.trip_id.slice(-8)}</dd>
        <dt>Status</dt>
        <dd>{STATUS_WORD[r.status]}</dd>
        <dt>Class</dt>
        <dd>{classLabel(r.class)}</dd>
        <dt>Rider</dt>
        <dd>{r.rider.name}</dd>
        <dt>Driver</dt>
        <dd>{r.driver?.name ?? 'None'}</dd>
        {r.driver?.vehicle !== undefined && (
          <>
            <dt>Vehicle</dt>
            <dd>
              {r.driver.vehicle.colour} {r.driver.vehicle.make} {r.driver.vehicle.model}, {r.driver.vehicle.plate}
            </dd>
          </>
        )}
        <dt>From</dt>
        <dd>{placeText(r.pickup)}</dd>
        <dt>To</dt>
        <dd>{placeText(r.dropoff)}</dd>
        <dt>Requested</dt>
        <dd>{TIME.format(new Date(r.requested_at))}</dd>
        {r.started_at !== undefined && (
          <>
            <dt>Started</dt>
            <dd>{TIME.format(new Date(r.started_at))}</dd>
          </>
        )}
        {r.completed_at !== undefined && (
          <>
            <dt>Completed</dt>
            <dd>{TIME.format(new Date(r.completed_at))}</dd>
          </>
        )}
        {r.estimate !== undefined && (
          <>
            <dt>Estimate</dt>
            <dd>{formatMoney(r.estimate.total, r.estimate.currency)}</dd>
          </>
        )}
        {r.cancel_fee !== undefined && (
          <>
            <dt>Cancellation fee</dt>
            <dd>{formatMoney(r.cancel_fee.amount, r.cancel_fee.currency)}</dd>
          </>
        )}
      </dl>
      {r.fare !== undefined && <FareBreakdown fare={r.fare} label="Receipt fare" />}
      {r.ratings.length > 0 && (
        <ul className="receipt__ratings">
          {r.ratings.map((rating) => (
            <li key={rating.by}>
              {rating.by === 'rider' ? 'Your rating' : "The driver's rating of you"}: {'★'.repeat(rating.stars)}
              {rating.comment !== undefined && ` “${rating.comment}”`}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

export interface RateDriverProps {
  driverName: string;
  /** The stars this rider gave already, else null. */
  already: number | null;
  /** Whether the rider rated already is still being read. */
  checking: boolean;
  onRate: (stars: number, comment: string) => Promise<void>;
}

const STARS = [1, 2, 3, 4, 5] as const;

export function RateDriver({ driverName, already, checking, onRate }: RateDriverProps) {
  const id = useId();
  const [stars, setStars] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  if (done !== null) return <p role="status" className="rate__done">{done}</p>;
  if (already !== null) {
    return (
      <p role="status" className="rate__done">
        You rated {driverName} {already} {already === 1 ? 'star' : 'stars'}.
      </p>
    );
  }

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (stars === null) {
      setError('Choose from 1 to 5 stars.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await onRate(stars, comment);
      setDone(`Thanks: you rated ${driverName} ${stars} ${stars === 1 ? 'star' : 'stars'}.`);
    } catch (e) {
      if (e instanceof ApiError && e.code === 'conflict') {
        setDone(`You have already rated this trip (${e.message}).`);
      } else {
        setError(`Could not send the rating: ${errorText(e)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="rate" onSubmit={submit} aria-labelledby={`${id}-title`} noValidate>
      <fieldset disabled={busy || checking}>
        <legend id={`${id}-title`}>Rate {driverName}</legend>
        <div role="radiogroup" aria-label="Stars" className="rate__stars">
          {STARS.map((n) => (
            <label key={n} className={`rate__star${stars !== null && n <= stars ? ' rate__star--on' : ''}`}>
              <input
                type="radio"
                name={`${id}-stars`}
                value={n}
                checked={stars === n}
                onChange={() => setStars(n)}
                aria-label={`${n} ${n === 1 ? 'star' : 'stars'}`}
              />
              <span aria-hidden="true">★</span>
            </label>
          ))}
        </div>
        <div className="field">
          <label htmlFor={`${id}-comment`}>Comment</label>
          <textarea
            id={`${id}-comment`}
            rows={2}
            maxLength={MAX_REASON_CHARS}
            value={comment}
            onChange={(e) => setComment(e.target.value)}
            placeholder="optional"
          />
        </div>
        {error !== null && (
          <p role="alert" className="error">
            {error}
          </p>
        )}
        <button type="submit" className="primary" aria-busy={busy}>
          Send rating
        </button>
      </fieldset>
    </form>
  );
}
