// The "Trip history" region: past trips newest first, each with its status
// word, date and places; selecting one draws its track on the map.

import type { Role, Trip } from '../../lib/protocol.ts';
import { placeText } from '../../lib/lat-lng.ts';
import { formatMoney } from '../../lib/money-format.ts';
import { STATUS_WORD } from '../../lib/trip-status.ts';
import type { TripHistory as History } from './use-trip-history.ts';

const DATE = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export interface TripHistoryProps {
  history: History;
  /** Whose history: a rider sees the driver's name, a driver the rider's. */
  viewer: Role;
}

export function TripHistory({ history, viewer }: TripHistoryProps) {
  const { trips, loading, error, hasMore, selectedId, track } = history;
  return (
    <section className="panel history" aria-label="Trip history">
      <div className="panel__head">
        <h2>Trip history</h2>
        {selectedId !== null && (
          <button type="button" className="link" onClick={() => history.select(null)}>
            Hide track
          </button>
        )}
      </div>
      {error !== null && (
        <div className="error-box">
          <p role="alert">{error}</p>
          <button type="button" onClick={history.reload}>
            Retry
          </button>
        </div>
      )}
      {track.state === 'loading' && <p className="muted">Loading the track…</p>}
      {track.state === 'failed' && <p role="alert">{track.error}</p>}
      {track.state === 'ready' && track.points.length === 0 && (
        <p className="muted">No GPS points were recorded on this trip.</p>
      )}
      {trips.length === 0 && !loading && error === null && <p className="muted">No trips yet.</p>}
      <ul className="history__list">
        {trips.map((trip) => (
          <HistoryItem
            key={trip.id}
            trip={trip}
            viewer={viewer}
            selected={trip.id === selectedId}
            onSelect={() => history.select(trip.id)}
          />
        ))}
      </ul>
      {loading && <p className="muted">Loading…</p>}
      {hasMore && !loading && (
        <button type="button" onClick={history.loadMore}>
          Load older trips
        </button>
      )}
    </section>
  );
}

interface HistoryItemProps {
  trip: Trip;
  viewer: Role;
  selected: boolean;
  onSelect: () => void;
}

function HistoryItem({ trip, viewer, selected, onSelect }: HistoryItemProps) {
  const other =
    viewer === 'driver' ? `Rider: ${trip.rider.name}` : trip.driver ? `Driver: ${trip.driver.name}` : 'No driver';
  return (
    // The whole row selects (for the mouse); the button is the keyboard's way.
    <li
      className={`history__item${selected ? ' history__item--selected' : ''}`}
      onClick={trip.driver !== null ? onSelect : undefined}
    >
      <div className="history__line">
        <span className={`status status--${trip.status}`}>{STATUS_WORD[trip.status]}</span>
        <time dateTime={trip.requested_at}>{DATE.format(new Date(trip.requested_at))}</time>
      </div>
      <div className="history__places">
        {placeText(trip.pickup)} → {placeText(trip.dropoff)}
      </div>
      <div className="history__line">
        <span className="muted">{other}</span>
        {tripCharge(trip) !== null && <span className="history__fare">{tripCharge(trip)}</span>}
        {/* Only a trip with a driver has a track (points are recorded from accept on). */}
        {trip.driver !== null && (
          <button
            type="button"
            aria-pressed={selected}
            onClick={(event) => {
              event.stopPropagation();
              onSelect();
            }}
          >
            Show track
          </button>
        )}
      </div>
    </li>
  );
}

/** What the trip cost: its final fare, or the cancellation fee charged. */
export function tripCharge(trip: Trip): string | null {
  if (trip.fare !== undefined) return formatMoney(trip.fare.total, trip.fare.currency);
  if (trip.cancel_fee !== undefined) {
    return `Cancellation fee ${formatMoney(trip.cancel_fee.amount, trip.cancel_fee.currency)}`;
  }
  return null;
}
