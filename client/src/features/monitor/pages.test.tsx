// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api.ts';
import { parseDispatchDetail } from '../../lib/monitor-protocol.ts';
import type { ActionResponse, AuditEntry } from '../../lib/operator-protocol.ts';
import { parseNodePageResponse, parseTripDetailResponse, parseUserPageResponse } from '../../lib/page-protocol.ts';
import type { MonitorLinks } from './links.tsx';
import type { MonitorApi } from './monitor-api.ts';
import { NodePage } from './node-page.tsx';
import type { OperatorApi } from './operator-api.ts';
import { TripDetail } from './trip-detail.tsx';
import type { PageReads } from './use-pages.ts';
import { UserPage } from './user-page.tsx';

afterEach(cleanup);

const RIDER = '0196a0e4-1c2b-7d3e-8f40-5a6b7c8d9e01';
const DRIVER = '0196a0e4-2d3c-7e4f-9a51-6b7c8d9e0f12';
const TRIP = '0196a0e5-3e4d-7f50-a162-7c8d9e0f1a23';
const AT = '2026-12-02T18:00:00Z';

function trip(status: string) {
  return {
    id: TRIP,
    status,
    rider: { id: RIDER, name: 'Rita Rider' },
    driver: status === 'requested' ? null : { id: DRIVER, name: 'Dan Driver' },
    pickup: { lat: 52.52, lng: 13.41 },
    dropoff: { lat: 52.51, lng: 13.37 },
    requested_at: AT,
  };
}

function dispatch(status: string) {
  return {
    dispatch: {
      trip_id: TRIP,
      status,
      outcome: status === 'cancelled' ? 'cancelled' : 'searching',
      requested_at: AT,
      rounds: 1,
      radius_m: 1500,
      offered: 0,
      declined: 0,
      time_to_accept_ms: null,
      node: 'node-a',
    },
    timeline: [{ kind: 'status', at: AT, to: 'requested', node: 'node-a' }],
  };
}

function entry(id: number, action: AuditEntry['action'], target: string): AuditEntry {
  return { id, at: AT, actor_id: 'u-ops', actor_username: 'otto', action, target, result: 'done' };
}

function userPage(suspended: boolean, audit: AuditEntry[]) {
  return {
    user: { id: RIDER, username: 'rita', role: 'rider', name: 'Rita Rider' },
    rating: { average: 4.5, count: 2 },
    trips: [trip('completed')],
    next_cursor: null,
    ratings: [{ trip_id: TRIP, by: 'driver', stars: 5, at: AT }],
    suspended,
    audit,
  };
}

function fakeOps(action: AuditEntry['action'], target: string) {
  const response: ActionResponse = { entry: entry(9, action, target) };
  const ops: OperatorApi & { act: ReturnType<typeof vi.fn> } = {
    me: vi.fn(() => Promise.resolve({ id: 'u-ops', username: 'otto', role: 'operator' as const })),
    audit: vi.fn(() => Promise.resolve({ entries: [] })),
    act: vi.fn(() => Promise.resolve(response)),
  };
  return ops;
}

function links() {
  return {
    openTrip: vi.fn<MonitorLinks['openTrip']>(),
    openUser: vi.fn<MonitorLinks['openUser']>(),
    openNode: vi.fn<MonitorLinks['openNode']>(),
  };
}

/** Reads whose answers follow the server's state as the test changes it. */
function fakePages(state: { trip: string; suspended: boolean; audit: AuditEntry[]; node: 'up' | 'gone' }) {
  const reads = {
    tripPage: vi.fn(() => Promise.resolve(parseTripDetailResponse({ trip: trip(state.trip), dispatch: dispatch(state.trip), ratings: [], audit: [] }))),
    userPage: vi.fn(() => Promise.resolve(parseUserPageResponse(userPage(state.suspended, state.audit)))),
    nodePage: vi.fn(() =>
      state.node === 'gone'
        ? Promise.reject(new ApiError(404, 'not_found', 'not found'))
        : Promise.resolve(parseNodePageResponse(nodePage())),
    ),
  };
  const pages: PageReads = { reads, tick: 0, onSessionEnd: vi.fn() };
  return { reads, pages };
}

function nodePage() {
  return {
    node: {
      id: 'node-a',
      address: '127.0.0.1:8080',
      status: 'up',
      started_at: AT,
      last_seen: AT,
      uptime_secs: 3725,
      connections: { rider: 3, driver: 2, admin: 1 },
      messages_in_per_sec: 4.5,
      messages_out_per_sec: 9,
      outbox_drops: 0,
    },
    tasks: [
      {
        node: 'node-a',
        name: 'dispatch_round',
        runs: 12,
        failures: 0,
        last_run_at: AT,
        last_duration_ms: 1.5,
        mean_duration_ms: 1.2,
        backlog: 2,
        last_error: null,
      },
    ],
    trips: [trip('requested')],
  };
}

describe('TripDetail', () => {
  it('reads the trip again right after an action: the new status shows before the next tick', async () => {
    const state = { trip: 'requested', suspended: false, audit: [], node: 'up' as const };
    const { pages } = fakePages(state);
    const dispatchRead = vi.fn(() => Promise.resolve(parseDispatchDetail(dispatch(state.trip))));
    const monitor = { api: { dispatch: dispatchRead } as unknown as MonitorApi, tick: 0 };
    const ops = fakeOps('cancel_trip', TRIP);
    ops.act.mockImplementation(() => {
      state.trip = 'cancelled';
      return Promise.resolve({ entry: entry(9, 'cancel_trip', TRIP) });
    });
    const l = links();
    render(
      <TripDetail
        tripId={TRIP}
        monitor={monitor}
        pages={pages}
        ops={ops}
        role="operator"
        links={l}
        auditVersion={0}
        onActed={() => {}}
        onClose={() => {}}
      />,
    );
    const timeline = screen.getByRole('region', { name: 'Dispatch timeline' });
    await waitFor(() => expect(timeline.textContent).toContain('trip requested'));
    // The rider opens their page from the trip.
    fireEvent.click(await screen.findByRole('link', { name: 'Rita Rider' }));
    expect(l.openUser).toHaveBeenCalledWith(RIDER);

    fireEvent.click(screen.getByRole('button', { name: 'Cancel trip' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    // No tick comes: only the read after the action can show this.
    await waitFor(() => expect(timeline.textContent).toContain('trip cancelled'));
    expect(screen.queryByRole('button', { name: 'Cancel trip' })).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('Cancel trip: done');
  });
});

describe('UserPage', () => {
  it('shows the user, suspends them and shows the suspension at once; unsuspends', async () => {
    const state = { trip: 'completed', suspended: false, audit: [] as AuditEntry[], node: 'up' as const };
    const { pages, reads } = fakePages(state);
    const ops = fakeOps('suspend', RIDER);
    ops.act.mockImplementation((a: { kind: 'suspend' | 'unsuspend' }) => {
      state.suspended = a.kind === 'suspend';
      state.audit = [entry(state.audit.length + 1, a.kind, RIDER), ...state.audit];
      return Promise.resolve({ entry: state.audit[0] });
    });
    const l = links();
    const onActed = vi.fn();
    render(
      <UserPage userId={RIDER} pages={pages} ops={ops} role="operator" links={l} auditVersion={0} onActed={onActed} onClose={() => {}} />,
    );
    const section = screen.getByRole('region', { name: 'User page' });
    expect(await within(section).findByRole('heading', { name: 'Rider Rita Rider' })).toBeTruthy();
    expect(screen.getByLabelText('Account state').textContent).toBe('active');
    expect(section.textContent).toContain('4.50 ★ (2)');
    expect(section.textContent).toContain('never suspended');
    // Its trip opens the trip.
    const trips = screen.getByRole('table', { name: "User's trips" });
    fireEvent.click(within(trips).getByRole('link'));
    expect(l.openTrip).toHaveBeenCalledWith(TRIP);
    expect(screen.getByRole('list', { name: 'Ratings' }).textContent).toContain('★★★★★ by the driver');
    expect(screen.queryByRole('button', { name: 'Unsuspend' })).toBeNull();

    fireEvent.click(screen.getByRole('button', { name: 'Suspend' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    await waitFor(() => expect(screen.getByLabelText('Account state').textContent).toBe('suspended'));
    expect(ops.act).toHaveBeenCalledWith({ kind: 'suspend', userId: RIDER });
    expect(screen.getByRole('status').textContent).toContain('Suspend: done');
    expect(screen.getByRole('list', { name: 'Suspension history' }).textContent).toContain('Suspended by otto');
    expect(onActed).toHaveBeenCalledTimes(1);
    expect(reads.userPage).toHaveBeenCalledTimes(2);

    fireEvent.click(screen.getByRole('button', { name: 'Unsuspend' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    await waitFor(() => expect(screen.getByLabelText('Account state').textContent).toBe('active'));
    expect(screen.getByRole('list', { name: 'Suspension history' }).querySelectorAll('li')).toHaveLength(2);
  });

  it('shows a viewer the page without buttons', async () => {
    const { pages } = fakePages({ trip: 'completed', suspended: true, audit: [entry(1, 'suspend', RIDER)], node: 'up' });
    render(
      <UserPage userId={RIDER} pages={pages} ops={fakeOps('suspend', RIDER)} role="viewer" links={links()} auditVersion={0} onActed={() => {}} onClose={() => {}} />,
    );
    await waitFor(() => expect(screen.getByLabelText('Account state').textContent).toBe('suspended'));
    for (const name of ['Suspend', 'Unsuspend', 'Disconnect']) expect(screen.queryByRole('button', { name })).toBeNull();
    expect(screen.getByRole('table', { name: 'Actions on this user' })).toBeTruthy();
  });
});

describe('NodePage', () => {
  it("shows the node's heartbeat, drains it with a confirm, and says when it has left", async () => {
    const state = { trip: 'requested', suspended: false, audit: [], node: 'up' as 'up' | 'gone' };
    const { pages } = fakePages(state);
    const ops = fakeOps('drain_node', 'node-a');
    ops.act.mockImplementation(() => {
      state.node = 'gone';
      return Promise.resolve({ entry: entry(9, 'drain_node', 'node-a') });
    });
    render(
      <NodePage nodeId="node-a" pages={pages} ops={ops} role="operator" links={links()} serverNow={Date.parse(AT) + 2000} onActed={() => {}} onClose={() => {}} />,
    );
    const section = screen.getByRole('region', { name: 'Node page' });
    await waitFor(() => expect(section.textContent).toContain('127.0.0.1:8080'));
    expect(section.textContent).toContain('6 (3 riders, 2 drivers, 1 admins)');
    expect(section.textContent).toContain('1 h 02 m');
    expect(section.textContent).toContain('2 dispatching now, 12 search rounds run');
    expect(screen.getByRole('table', { name: 'Node tasks' }).textContent).toContain('dispatch_round');
    expect(screen.getByRole('table', { name: 'Node trips' }).textContent).toContain('Rita Rider');

    fireEvent.click(screen.getByRole('button', { name: 'Drain' }));
    expect(ops.act).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    await waitFor(() => expect(section.textContent).toContain('Node node-a has left'));
    expect(ops.act).toHaveBeenCalledWith({ kind: 'drain_node', nodeId: 'node-a' });
    expect(screen.queryByRole('button', { name: 'Drain' })).toBeNull();
    expect(section.textContent).toContain('Drain: done');
  });

  it('has no Drain for a viewer', async () => {
    const { pages } = fakePages({ trip: 'requested', suspended: false, audit: [], node: 'up' });
    render(
      <NodePage nodeId="node-a" pages={pages} ops={fakeOps('drain_node', 'node-a')} role="viewer" links={links()} serverNow={Date.parse(AT)} onActed={() => {}} onClose={() => {}} />,
    );
    await waitFor(() => expect(screen.getByRole('table', { name: 'Node tasks' })).toBeTruthy());
    expect(screen.queryByRole('button', { name: 'Drain' })).toBeNull();
  });
});
