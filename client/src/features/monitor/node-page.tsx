// One node's page, opened from the nodes list: what its last heartbeat said
// (address, uptime, connections by role, message rates, outbox drops), its
// background tasks, the newest trips it took, and (for operators) Drain.
// A node that drained or stopped leaves the overview: the page then says it
// has left and keeps what it last knew.

import { useCallback, useEffect, useRef, useState } from 'react';
import type { MonitorRole } from '../../lib/operator-protocol.ts';
import type { NodePageResponse } from '../../lib/page-protocol.ts';
import { NodeActions } from './actions.tsx';
import { formatAge, formatMs, formatRate, formatUptime, fullTime, shortId } from './format.ts';
import { PageLink, type MonitorLinks } from './links.tsx';
import type { OperatorApi } from './operator-api.ts';
import { formatSchedule } from './task-schedule.ts';
import { useNodePage, type PageReads } from './use-pages.ts';

export interface NodePageProps {
  nodeId: string;
  pages: PageReads;
  ops: OperatorApi;
  role: MonitorRole | null;
  links: MonitorLinks;
  /** The server's "now" (local clock plus its offset), ms. */
  serverNow: number;
  onActed: () => void;
  onClose: () => void;
}

export function NodePage({ nodeId, pages, ops, role, links, serverNow, onActed, onClose }: NodePageProps) {
  const [version, setVersion] = useState(0);
  const page = useNodePage(pages, nodeId, version);
  const acted = useCallback(() => {
    setVersion((v) => v + 1);
    onActed();
  }, [onActed]);
  const section = useRef<HTMLElement>(null);
  useEffect(() => {
    const el = section.current;
    if (el !== null && typeof el.scrollIntoView === 'function') el.scrollIntoView({ block: 'start', behavior: 'smooth' });
  }, [nodeId]);
  const data = page.data?.node.id === nodeId ? page.data : null;
  const up = !page.gone && data?.node.status === 'up';

  return (
    <section ref={section} aria-label="Node page" className="panel monitor__panel">
      <div className="panel__head">
        <h2>Node {nodeId}</h2>
        <button type="button" className="small" onClick={onClose}>
          Close
        </button>
      </div>
      {page.gone && (
        <p role="status" className="warning">
          Node {nodeId} has left: it no longer reports (drained or stopped).
          {data !== null && ` Last seen ${fullTime(data.node.last_seen)}.`}
        </p>
      )}
      {!page.gone && data?.node.status === 'down' && (
        <p role="status" className="warning">
          Node {nodeId} is down: no heartbeat since {fullTime(data.node.last_seen)}.
        </p>
      )}
      {page.error !== null && !page.gone && (
        <p role="alert" className="error">
          Could not read the node: {page.error}
        </p>
      )}
      {data === null && page.error === null && <p className="muted">Loading…</p>}
      <NodeActions key={nodeId} nodeId={nodeId} up={up} role={role} api={ops} onDone={acted} />
      {data !== null && (
        <>
          <NodeFacts page={data} serverNow={serverNow} />
          <NodeTasks page={data} />
          <NodeTrips page={data} links={links} />
        </>
      )}
    </section>
  );
}

function NodeFacts({ page, serverNow }: { page: NodePageResponse; serverNow: number }) {
  const { node } = page;
  const c = node.connections;
  return (
    <dl className="facts">
      <dt>Status</dt>
      <dd>
        <span className={`status status--node-${node.status}`}>{node.status}</span>
      </dd>
      <dt>Address</dt>
      <dd>
        <code>{node.address}</code>
      </dd>
      <dt>Uptime</dt>
      <dd>
        {formatUptime(node.uptime_secs)} (since {fullTime(node.started_at)})
      </dd>
      <dt>Last heartbeat</dt>
      <dd title={fullTime(node.last_seen)}>{formatAge(serverNow - Date.parse(node.last_seen))}</dd>
      <dt>Connections</dt>
      <dd>
        {c.rider + c.driver + c.admin} ({c.rider} riders, {c.driver} drivers, {c.admin} admins)
      </dd>
      <dt>Messages</dt>
      <dd>
        {formatRate(node.messages_in_per_sec)} in, {formatRate(node.messages_out_per_sec)} out
      </dd>
      <dt>Outbox drops</dt>
      <dd className={node.outbox_drops > 0 ? 'warning' : undefined}>{node.outbox_drops}</dd>
      <dt>Dispatches</dt>
      <dd>{dispatchText(page)}</dd>
    </dl>
  );
}

/** From its `dispatch_round` task: rounds run since it started, and how many
 *  trips it is dispatching now. */
function dispatchText(page: NodePageResponse): string {
  const task = page.tasks.find((t) => t.name === 'dispatch_round');
  if (task === undefined) return '–';
  return `${task.backlog} dispatching now, ${task.runs} search rounds run`;
}

function NodeTasks({ page }: { page: NodePageResponse }) {
  if (page.tasks.length === 0) return <p className="muted">No background task reported.</p>;
  return (
    <div className="table-scroll">
      <table aria-label="Node tasks" className="grid-table">
        <thead>
          <tr>
            <th scope="col">Task</th>
            <th scope="col">Schedule</th>
            <th scope="col" className="num">
              Runs
            </th>
            <th scope="col" className="num">
              Failures
            </th>
            <th scope="col">Last run</th>
            <th scope="col" className="num">
              Took
            </th>
            <th scope="col" className="num">
              Backlog
            </th>
            <th scope="col">Last error</th>
          </tr>
        </thead>
        <tbody>
          {page.tasks.map((t) => (
            <tr key={t.name} className={t.state === 'failed' ? 'row--bad' : undefined}>
              <th scope="row">{t.name}</th>
              <td>{formatSchedule(t.interval_ms)}</td>
              <td className="num">{t.runs}</td>
              <td className="num">{t.failures}</td>
              <td>{t.last_run_at === null ? 'never' : fullTime(t.last_run_at)}</td>
              <td className="num">{formatMs(t.last_duration_ms)}</td>
              <td className="num">{t.backlog}</td>
              <td className={t.last_error === null ? 'muted' : 'error'}>{t.last_error ?? '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function NodeTrips({ page, links }: { page: NodePageResponse; links: MonitorLinks }) {
  if (page.trips.length === 0) return <p className="muted">No trip requested through this node.</p>;
  return (
    <>
      <h3>Newest trips it took</h3>
      <div className="table-scroll">
        <table aria-label="Node trips" className="grid-table">
          <thead>
            <tr>
              <th scope="col">Trip</th>
              <th scope="col">Status</th>
              <th scope="col">Rider</th>
              <th scope="col">Requested</th>
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
                <td>{t.status.replace('_', ' ')}</td>
                <td>
                  <PageLink kind="user" id={t.rider.id} onOpen={links.openUser}>
                    {t.rider.name}
                  </PageLink>
                </td>
                <td>{fullTime(t.requested_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
