// "Rate the rider" once a trip is completed: 1-5 stars and an optional
// comment, sent once (`POST /api/trips/{id}/rating`). A second rating of the
// same trip is refused by the server with 409, shown as "already rated".

import { useId, useState, type FormEvent } from 'react';
import { ApiError, errorText } from '../../lib/api.ts';
import type { Trip } from '../../lib/protocol.ts';
import type { DriverApi } from './driver-api.ts';

export const STARS = [1, 2, 3, 4, 5] as const;

type Sent = { state: 'idle' } | { state: 'sending' } | { state: 'done'; stars: number } | { state: 'already' };

export interface RateRiderProps {
  trip: Trip;
  api: DriverApi;
  onSessionEnd: (message: string) => void;
}

export function RateRider({ trip, api, onSessionEnd }: RateRiderProps) {
  const id = useId();
  const [stars, setStars] = useState<number | null>(null);
  const [comment, setComment] = useState('');
  const [sent, setSent] = useState<Sent>({ state: 'idle' });
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (stars === null) {
      setError('Choose 1 to 5 stars');
      return;
    }
    setError(null);
    setSent({ state: 'sending' });
    try {
      const text = comment.trim();
      await api.rate(trip.id, text === '' ? { stars } : { stars, comment: text });
      setSent({ state: 'done', stars });
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setSent({ state: 'already' });
        return;
      }
      if (e instanceof ApiError && e.sessionEnded) onSessionEnd(e.message);
      setError(errorText(e));
      setSent({ state: 'idle' });
    }
  };

  return (
    <section className="panel rate" aria-label="Rate the rider">
      <h2>Rate {trip.rider.name}</h2>
      {sent.state === 'done' && (
        <p role="status">
          You rated {trip.rider.name} {sent.stars} star{sent.stars === 1 ? '' : 's'}. Thank you.
        </p>
      )}
      {sent.state === 'already' && <p role="status">This trip is already rated.</p>}
      {(sent.state === 'idle' || sent.state === 'sending') && (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <fieldset className="rate__stars">
            <legend>Stars</legend>
            {STARS.map((n) => (
              <label key={n} className="rate__star">
                <input
                  type="radio"
                  name={`${id}-stars`}
                  value={n}
                  checked={stars === n}
                  onChange={() => setStars(n)}
                  aria-label={`${n} star${n === 1 ? '' : 's'}`}
                />
                <span aria-hidden="true">{n}★</span>
              </label>
            ))}
          </fieldset>
          <div className="field">
            <label htmlFor={`${id}-comment`}>Comment (optional)</label>
            <textarea
              id={`${id}-comment`}
              maxLength={500}
              rows={2}
              value={comment}
              onChange={(e) => setComment(e.target.value)}
            />
          </div>
          <div className="actions">
            <button type="submit" className="primary" disabled={sent.state === 'sending'}>
              Send rating
            </button>
          </div>
          {error !== null && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
        </form>
      )}
    </section>
  );
}
