// The admin monitor (`/monitor/`): log in with an admin account (made by
// `hail admin create`; no sign-up here), then watch the service live from
// one Server-Sent Events stream: counters, nodes, throughput, dispatches and
// their timelines, the live map and the background tasks. A trip, a user and
// a node each have a page, opened wherever their id or name is shown.

import { useCallback, useMemo, useState } from 'react';
import { AuthScreen } from '../features/auth/auth-screen.tsx';
import { useAuth, type Auth } from '../features/auth/use-auth.ts';
import { FleetMap } from '../features/map/fleet-map.tsx';
import { DrainButton, UserLookup } from '../features/monitor/actions.tsx';
import { AuditLog } from '../features/monitor/audit-log.tsx';
import { Counters } from '../features/monitor/counters.tsx';
import { STREAM_LIMIT, type OutcomeFilter } from '../features/monitor/dispatch-filter.ts';
import { DispatchTable } from '../features/monitor/dispatch-table.tsx';
import { historyApi } from '../features/monitor/history-api.ts';
import type { MonitorLinks } from '../features/monitor/links.tsx';
import { NodePage } from '../features/monitor/node-page.tsx';
import { NodesTable } from '../features/monitor/nodes-table.tsx';
import { StaleNotice, StreamErrors } from '../features/monitor/stream-errors.tsx';
import { SurgeTable } from '../features/monitor/surge-table.tsx';
import { HistoryCharts } from '../features/monitor/history-charts.tsx';
import { TasksTable } from '../features/monitor/tasks-table.tsx';
import { TripSearch } from '../features/monitor/trip-search.tsx';
import { ThroughputCharts } from '../features/monitor/throughput-charts.tsx';
import { TripDetail } from '../features/monitor/trip-detail.tsx';
import { useDispatchList, useSurgeBoard } from '../features/monitor/use-dispatches.ts';
import type { PageReads } from '../features/monitor/use-pages.ts';
import { UserPage } from '../features/monitor/user-page.tsx';
import { useMonitor } from '../features/monitor/use-monitor.ts';
import { useMonitorRole } from '../features/monitor/use-monitor-role.ts';
import { operatorApi } from '../features/monitor/operator-api.ts';
import type { User } from '../lib/protocol.ts';
import { useNow } from '../lib/use-now.ts';
import { AppHeader } from './app-header.tsx';
import { ConnectionBadge } from './connection-badge.tsx';

export function MonitorApp() {
  const auth = useAuth('admin');
  return auth.user === null ? (
    <AuthScreen auth={auth} title="Hail: monitor" allowSignup={false} />
  ) : (
    <MonitorHome auth={auth} user={auth.user} />
  );
}

interface HomeProps {
  auth: Auth;
  user: User;
}

function MonitorHome({ auth, user }: HomeProps) {
  const { logout } = auth;
  const monitor = useMonitor({ tokens: auth.tokens, api: auth.api, onSessionEnd: logout });
  const [filter, setFilter] = useState<OutcomeFilter>('all');
  const [limit, setLimit] = useState<number>(STREAM_LIMIT);
  const [selected, setSelected] = useState<string | null>(null);
  const list = useDispatchList(monitor, filter, limit, logout);
  const surge = useSurgeBoard(monitor, logout);
  // Relative times ("3 s ago") on the server's clock, so a skewed laptop clock does not lie.
  const serverNow = useNow(1_000) + monitor.clockOffsetMs;
  const select = useCallback((tripId: string) => setSelected(tripId), []);
  const stale = monitor.connection.state !== 'open' && monitor.overview !== null;
  // Operator actions (issue 15): buttons for operators only; each answered
  // action reloads the audit log.
  const ops = useMemo(() => operatorApi(auth.api), [auth.api]);
  const role = useMonitorRole(ops);
  const [auditVersion, setAuditVersion] = useState(0);
  const acted = useCallback(() => setAuditVersion((v) => v + 1), []);
  // The pages: one trip (in the dispatches), one user, one node at a time.
  const [userId, setUserId] = useState<string | null>(null);
  const [nodeId, setNodeId] = useState<string | null>(null);
  const links = useMemo<MonitorLinks>(
    () => ({ openTrip: setSelected, openUser: setUserId, openNode: setNodeId }),
    [],
  );
  const reads = useMemo(() => historyApi(auth.api), [auth.api]);
  const pages: PageReads = { reads, tick: monitor.tick, onSessionEnd: logout };

  return (
    <div className="app">
      <AppHeader
        title="Monitor"
        userName={user.name}
        badge={<ConnectionBadge connection={monitor.connection} changedAt={monitor.connectionChangedAt} />}
        onLogout={() => logout()}
      />
      <main className={`monitor${stale ? ' monitor--stale' : ''}`}>
        <StreamErrors fatal={monitor.fatal} errors={monitor.errors} />
        {stale && <StaleNotice at={monitor.overview?.at ?? null} />}
        <Counters overview={monitor.overview} />
        <NodesTable
          overview={monitor.overview}
          actions={role === 'operator' ? (id) => <DrainButton nodeId={id} role={role} api={ops} onDone={acted} /> : undefined}
          onOpen={setNodeId}
        />
        {nodeId !== null && (
          <NodePage
            key={nodeId}
            nodeId={nodeId}
            pages={pages}
            ops={ops}
            role={role}
            links={links}
            serverNow={serverNow}
            onActed={acted}
            onClose={() => setNodeId(null)}
          />
        )}
        <ThroughputCharts samples={monitor.samples} />
        <HistoryCharts api={auth.api} tick={monitor.tick} samples={monitor.samples} />
        <TripSearch api={auth.api} onSelect={select} onOpenUser={setUserId} />
        <div className={`monitor__dispatches${selected === null ? '' : ' monitor__dispatches--open'}`}>
          <DispatchTable
            rows={list.data}
            filter={filter}
            limit={limit}
            onFilter={setFilter}
            onLimit={setLimit}
            selectedId={selected}
            onSelect={select}
            error={list.error}
          />
          {selected !== null && (
            <TripDetail
              key={selected}
              tripId={selected}
              monitor={monitor}
              pages={pages}
              ops={ops}
              role={role}
              links={links}
              auditVersion={auditVersion}
              onActed={acted}
              onClose={() => setSelected(null)}
            />
          )}
        </div>
        {userId !== null && (
          <UserPage
            key={userId}
            userId={userId}
            pages={pages}
            ops={ops}
            role={role}
            links={links}
            auditVersion={auditVersion}
            onActed={acted}
            onClose={() => setUserId(null)}
          />
        )}
        <FleetMap map={monitor.map} selectedTripId={selected} onSelectTrip={select} />
        <SurgeTable board={surge.data} serverNow={serverNow} error={surge.error} />
        <TasksTable tasks={monitor.tasks} serverNow={serverNow} />
        <UserLookup onOpen={setUserId} />
        <AuditLog api={ops} version={auditVersion} links={links} />
      </main>
    </div>
  );
}
