// One trip opened in the monitor: its dispatch timeline, its rider and driver
// (each opens their page), its fare, the operator's buttons and the actions
// taken on it. After an action's answer the trip is read again at once, so it
// shows its new status without waiting for the stream's next tick.

import { useCallback, useState } from 'react';
import { formatMoney } from '../../lib/money-format.ts';
import type { MonitorRole } from '../../lib/operator-protocol.ts';
import type { TripDetailResponse } from '../../lib/page-protocol.ts';
import { TripActions } from './actions.tsx';
import { AuditLog } from './audit-log.tsx';
import { DispatchTimeline } from './dispatch-timeline.tsx';
import { PageLink, type MonitorLinks } from './links.tsx';
import type { OperatorApi } from './operator-api.ts';
import { useDispatchDetail } from './use-dispatches.ts';
import type { Monitor } from './use-monitor.ts';
import { useTripPage, type PageReads } from './use-pages.ts';

export interface TripDetailProps {
  tripId: string;
  monitor: Pick<Monitor, 'api' | 'tick'>;
  pages: PageReads;
  ops: OperatorApi;
  role: MonitorRole | null;
  links: MonitorLinks;
  /** Bumped by the app after any action (the audit log reloads). */
  auditVersion: number;
  /** Called after each answered action on this trip. */
  onActed: () => void;
  onClose: () => void;
}

export function TripDetail({ tripId, monitor, pages, ops, role, links, auditVersion, onActed, onClose }: TripDetailProps) {
  // Bumped after each action here: the trip is read again at once.
  const [version, setVersion] = useState(0);
  const detail = useDispatchDetail(monitor, tripId, pages.onSessionEnd, version);
  const page = useTripPage(pages, tripId, version);
  const acted = useCallback(() => {
    setVersion((v) => v + 1);
    onActed();
  }, [onActed]);
  return (
    <div className="monitor__detail">
      <DispatchTimeline tripId={tripId} detail={detail.data} error={detail.error} onClose={onClose} />
      {page.data !== null && page.data.trip.id === tripId && <TripParties page={page.data} links={links} />}
      {detail.data !== null && detail.data.dispatch.trip_id === tripId && (
        <TripActions tripId={tripId} status={detail.data.dispatch.status} role={role} api={ops} onDone={acted} />
      )}
      <AuditLog key={`audit-${tripId}`} api={ops} version={auditVersion} target={tripId} links={links} />
    </div>
  );
}

/** Who rides, who drives (links to their pages), and what it cost. */
function TripParties({ page, links }: { page: TripDetailResponse; links: MonitorLinks }) {
  const { trip } = page;
  return (
    <section aria-label="Trip parties" className="panel monitor__panel">
      <dl className="facts">
        <dt>Rider</dt>
        <dd>
          <PageLink kind="user" id={trip.rider.id} onOpen={links.openUser}>
            {trip.rider.name}
          </PageLink>
        </dd>
        <dt>Driver</dt>
        <dd>
          {trip.driver === null ? (
            <span className="muted">none yet</span>
          ) : (
            <PageLink kind="user" id={trip.driver.id} onOpen={links.openUser}>
              {trip.driver.name}
            </PageLink>
          )}
        </dd>
        <dt>Fare</dt>
        <dd>
          {trip.fare !== undefined
            ? formatMoney(trip.fare.total, trip.fare.currency)
            : trip.estimate !== undefined
              ? `estimated ${formatMoney(trip.estimate.total, trip.estimate.currency)}`
              : '–'}
        </dd>
        <dt>Ratings</dt>
        <dd>
          {page.ratings.length === 0
            ? 'none'
            : page.ratings.map((r) => `${r.by}: ${'★'.repeat(r.stars)}${r.comment === undefined ? '' : ` “${r.comment}”`}`).join(' · ')}
        </dd>
      </dl>
    </section>
  );
}
