// Search over all trips (issue 15): a query box with qualifiers
// (`status:`, `node:`, `rider:`, `driver:`, `after:`, `before:`, free words),
// sorted (newest, oldest, highest fare, latest change first), paged by
// cursor. A row opens the trip's timeline like a dispatch row does; its
// rider and driver open their pages.

import { useMemo, useState, type FormEvent } from 'react';
import { errorText, type Api } from '../../lib/api.ts';
import type { TripSearchResponse } from '../../lib/history-protocol.ts';
import { historyApi, nextPages, parseSort, previousPages, searchPath, TRIP_SORTS, type TripSort } from './history-api.ts';
import { formatMoney } from '../../lib/money-format.ts';
import { PageLink } from './links.tsx';
import { fullTime, shortId } from './format.ts';
import { useLiveFetch } from './use-live-fetch.ts';

const PAGE = 25;

export interface TripSearchProps {
  api: Api;
  onSelect: (tripId: string) => void;
  /** Opens a rider's or driver's page (names are plain text without it). */
  onOpenUser?: (userId: string) => void;
}

export function TripSearch({ api, onSelect, onOpenUser }: TripSearchProps) {
  const reads = useMemo(() => historyApi(api), [api]);
  const [draft, setDraft] = useState('');
  const [query, setQuery] = useState<string | null>(null);
  const [sort, setSort] = useState<TripSort>('newest');
  const [pages, setPages] = useState<(string | null)[]>([null]);
  const cursor = pages.at(-1) ?? null;
  const path = query === null ? null : searchPath(query, sort, cursor, PAGE);
  const read = useLiveFetch<TripSearchResponse>(path, (p) => reads.searchTrips(p), 0);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setQuery(draft);
    setPages([null]);
  };

  return (
    <section className="panel monitor__panel" aria-labelledby="monitor-search-title">
      <div className="panel__head">
        <h2 id="monitor-search-title">Trip search</h2>
      </div>
      <form role="search" onSubmit={submit} className="monitor__filters">
        <label>
          Query{' '}
          <input
            type="search"
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
            placeholder='status:completed rider:"Ada" after:2h'
            size={40}
          />
        </label>
        <label>
          Sort{' '}
          <select
            value={sort}
            onChange={(e) => {
              setSort(parseSort(e.target.value));
              setPages([null]);
            }}
          >
            {TRIP_SORTS.map((s) => (
              <option key={s.sort} value={s.sort}>
                {s.label}
              </option>
            ))}
          </select>
        </label>
        <button type="submit">Search</button>
      </form>
      {read.error !== null && (
        <p role="alert" className="error">
          {errorText(read.error)}
        </p>
      )}
      {read.data !== null && (
        <>
          <div className="table-scroll">
            <table aria-label="Trips found" className="grid-table grid-table--rows">
              <thead>
                <tr>
                  <th scope="col">Trip</th>
                  <th scope="col">Status</th>
                  <th scope="col">Rider</th>
                  <th scope="col">Driver</th>
                  <th scope="col">Requested</th>
                  <th scope="col" className="num">
                    Fare
                  </th>
                </tr>
              </thead>
              <tbody>
                {read.data.trips.map((t) => (
                  <tr key={t.id}>
                    <th scope="row">
                      <button type="button" className="small" onClick={() => onSelect(t.id)}>
                        <code>{shortId(t.id)}</code>
                      </button>
                    </th>
                    <td>{t.status}</td>
                    <td>{person(t.rider, onOpenUser)}</td>
                    <td>{t.driver === null ? '–' : person(t.driver, onOpenUser)}</td>
                    <td>{fullTime(t.requested_at)}</td>
                    <td className="num">{t.fare === undefined ? '–' : formatMoney(t.fare.total, t.fare.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {read.data.trips.length === 0 && <p className="muted">No trip matches.</p>}
          <div className="monitor__filters">
            <button type="button" disabled={pages.length <= 1} onClick={() => setPages(previousPages(pages))}>
              Previous
            </button>
            <span className="muted">page {pages.length}</span>
            <button
              type="button"
              disabled={read.data.next_cursor === null}
              onClick={() => setPages(nextPages(pages, read.data?.next_cursor ?? null))}
            >
              Next
            </button>
          </div>
        </>
      )}
    </section>
  );
}

function person(p: { id: string; name: string }, onOpen: ((userId: string) => void) | undefined) {
  if (onOpen === undefined) return p.name;
  return (
    <PageLink kind="user" id={p.id} onOpen={onOpen}>
      {p.name}
    </PageLink>
  );
}
