// A rider's or driver's page: who they are, whether the account is
// suspended and its suspension history, their newest trips (each opens the
// trip), the ratings on those trips, the operator actions on them, and (for
// operators) Suspend or Unsuspend and Disconnect. After an action's answer
// the page is read again at once, so it shows the new state.

import { useCallback, useEffect, useRef, useState } from 'react';
import { formatMoney } from '../../lib/money-format.ts';
import type { MonitorRole } from '../../lib/operator-protocol.ts';
import type { UserPageResponse } from '../../lib/page-protocol.ts';
import { UserActions } from './actions.tsx';
import { AuditLog } from './audit-log.tsx';
import { fullTime, shortId } from './format.ts';
import { PageLink, type MonitorLinks } from './links.tsx';
import { suspensionHistory } from './operator-actions.ts';
import type { OperatorApi } from './operator-api.ts';
import { useUserPage, type PageReads } from './use-pages.ts';

export interface UserPageProps {
  userId: string;
  pages: PageReads;
  ops: OperatorApi;
  role: MonitorRole | null;
  links: MonitorLinks;
  /** Bumped by the app after any action (the audit log reloads). */
  auditVersion: number;
  /** Called after each answered action on this user. */
  onActed: () => void;
  onClose: () => void;
}

export function UserPage({ userId, pages, ops, role, links, auditVersion, onActed, onClose }: UserPageProps) {
  const [version, setVersion] = useState(0);
  const page = useUserPage(pages, userId, version);
  const acted = useCallback(() => {
    setVersion((v) => v + 1);
    onActed();
  }, [onActed]);
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = section.current;
    if (el !== null && typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [userId]);
  const data = page.data?.user.id === userId ? page.data : null;

  return (
    <section ref={section} aria-label="User page" className="panel monitor__panel">
      <div className="panel__head">
        <h2>{data === null ? `User ${shortId(userId)}` : `${data.user.role === 'driver' ? 'Driver' : 'Rider'} ${data.user.name}`}</h2>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      <p className="muted timeline-panel__id">{userId}</p>
      {page.gone && (
        <p role="alert" className="error">
          No such user (or the account was deleted).
        </p>
      )}
      {page.error !== null && !page.gone && (
        <p role="alert" className="error">
          Could not read the user: {page.error}
        </p>
      )}
      {data === null && page.error === null && <p className="muted">Loading…</p>}
      {data !== null && (
        <>
          <UserFacts page={data} />
          <UserActions key={userId} userId={userId} suspended={data.suspended} role={role} api={ops} onDone={acted} />
          <UserTrips page={data} links={links} />
          <UserRatings page={data} links={links} />
        </>
      )}
      <AuditLog key={`audit-${userId}`} api={ops} version={auditVersion} target={userId} targetOf="user" links={links} />
    </section>
  );
}

function UserFacts({ page }: { page: UserPageResponse }) {
  const history = suspensionHistory(page.audit);
  return (
    <dl className="facts">
      <dt>Username</dt>
      <dd>{page.user.username}</dd>
      <dt>Role</dt>
      <dd>{page.user.role}</dd>
      <dt>Rating</dt>
      <dd>{page.rating === null ? 'not rated yet' : `${page.rating.average.toFixed(2)} ★ (${page.rating.count})`}</dd>
      <dt>Account</dt>
      <dd aria-label="Account state">
        <span className={`status status--account-${page.suspended ? 'suspended' : 'active'}`}>
          {page.suspended ? 'suspended' : 'active'}
        </span>
      </dd>
      <dt>Suspensions</dt>
      <dd>
        {history.length === 0 ? (
          'never suspended'
        ) : (
          <ul aria-label="Suspension history" className="plain-list">
            {history.map((e) => (
              <li key={e.id}>
                {e.action === 'suspend' ? 'Suspended' : 'Lifted'} by {e.actor_username} at {fullTime(e.at)}
              </li>
            ))}
          </ul>
        )}
      </dd>
    </dl>
  );
}

function UserTrips({ page, links }: { page: UserPageResponse; links: MonitorLinks }) {
  return (
    <>
      <h3>Trips</h3>
      {page.trips.length === 0 ? (
        <p className="muted">No trip yet.</p>
      ) : (
        <div className="table-scroll">
          <table aria-label="User's trips" className="grid-table">
            <thead>
              <tr>
                <th scope="col">Trip</th>
                <th scope="col">As</th>
                <th scope="col">Status</th>
                <th scope="col">Requested</th>
                <th scope="col" className="num">
                  Fare
                </th>
              </tr>
            </thead>
            <tbody>
              {page.trips.map((t) => (
                <tr key={t.id}>
                  <th scope="row">
                    <PageLink kind="trip" id={t.id} onOpen={links.openTrip}>
                      <code>{shortId(t.id)}</code>
                    </PageLink>
                  </th>
                  <td>{t.rider.id === page.user.id ? 'rider' : 'driver'}</td>
                  <td>{t.status.replace('_', ' ')}</td>
                  <td>{fullTime(t.requested_at)}</td>
                  <td className="num">{t.fare === undefined ? '–' : formatMoney(t.fare.total, t.fare.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {page.next_cursor !== null && (
        <p className="muted">The newest {page.trips.length} are shown; search `rider:` or `driver:` with this id for all.</p>
      )}
    </>
  );
}

function UserRatings({ page, links }: { page: UserPageResponse; links: MonitorLinks }) {
  if (page.ratings.length === 0) return <p className="muted">No rating on these trips.</p>;
  return (
    <>
      <h3>Ratings</h3>
      <ul aria-label="Ratings" className="plain-list">
        {page.ratings.map((r) => (
          <li key={`${r.trip_id}-${r.by}`}>
            {'★'.repeat(r.stars)} by the {r.by} on{' '}
            <PageLink kind="trip" id={r.trip_id} onOpen={links.openTrip}>
              <code>{shortId(r.trip_id)}</code>
            </PageLink>
            {r.comment === undefined ? '' : `: “${r.comment}”`}
          </li>
        ))}
      </ul>
    </>
  );
}
