// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ActionResponse, AuditResponse } from '../../lib/operator-protocol.ts';
import { DrainButton, NodeActions, TripActions, UserActions } from './actions.tsx';
import { AuditLog } from './audit-log.tsx';
import type { OperatorApi } from './operator-api.ts';

afterEach(cleanup);

const entry = {
  id: 7,
  at: '2026-12-02T18:00:00Z',
  actor_id: 'u-ops',
  actor_username: 'ops',
  action: 'cancel_trip',
  target: 't1',
  result: 'done',
} as const;

function fakeApi(): OperatorApi & { act: ReturnType<typeof vi.fn> } {
  const response: ActionResponse = { entry: { ...entry } };
  const audit: AuditResponse = { entries: [{ ...entry }], next_before: 7 };
  return {
    me: vi.fn(() => Promise.resolve({ id: 'u-ops', username: 'ops', role: 'operator' as const })),
    audit: vi
      .fn<OperatorApi['audit']>()
      .mockResolvedValueOnce(audit)
      .mockResolvedValue({ entries: [{ ...entry, id: 6, action: 'suspend' }] }),
    act: vi.fn(() => Promise.resolve(response)),
  };
}

describe('operator buttons', () => {
  it('are absent for a viewer', () => {
    const api = fakeApi();
    const { container } = render(
      <>
        <TripActions tripId="t1" status="requested" role="viewer" api={api} onDone={() => {}} />
        <DrainButton nodeId="a" role="viewer" api={api} onDone={() => {}} />
        <UserActions userId="u1" suspended={false} role="viewer" api={api} onDone={() => {}} />
        <UserActions userId="u2" suspended role="viewer" api={api} onDone={() => {}} />
        <NodeActions nodeId="a" up role="viewer" api={api} onDone={() => {}} />
      </>,
    );
    expect(container.querySelectorAll('button')).toHaveLength(0);
  });

  it('ask to confirm, then act and report the result', async () => {
    const api = fakeApi();
    const onDone = vi.fn();
    render(<TripActions tripId="t1" status="accepted" role="operator" api={api} onDone={onDone} />);
    expect(screen.queryByRole('button', { name: 'Re-dispatch' })).toBeNull();
    fireEvent.click(screen.getByRole('button', { name: 'Cancel trip' }));
    expect(api.act).not.toHaveBeenCalled();
    fireEvent.click(screen.getByRole('button', { name: 'No' }));
    fireEvent.click(screen.getByRole('button', { name: 'Cancel trip' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Cancel trip: done'));
    expect(api.act).toHaveBeenCalledWith({ kind: 'cancel_trip', tripId: 't1' });
    expect(onDone).toHaveBeenCalledTimes(1);
  });

  it('keeps the result once the new status leaves no button', async () => {
    const api = fakeApi();
    const props = { tripId: 't1', role: 'operator' as const, api, onDone: () => {} };
    const { rerender } = render(<TripActions status="accepted" {...props} />);
    fireEvent.click(screen.getByRole('button', { name: 'Cancel trip' }));
    fireEvent.click(screen.getByRole('button', { name: 'Yes' }));
    await waitFor(() => expect(screen.getByRole('status').textContent).toContain('Cancel trip: done'));
    // The stream then shows the trip cancelled: no action is left, the result stays.
    rerender(<TripActions status="cancelled" {...props} />);
    expect(screen.queryByRole('button')).toBeNull();
    expect(screen.getByRole('status').textContent).toContain('Cancel trip: done');
  });
});

describe('AuditLog', () => {
  it('lists entries and pages older ones', async () => {
    const api = fakeApi();
    render(<AuditLog api={api} version={0} />);
    await waitFor(() => expect(screen.getAllByText('Cancel trip')).toHaveLength(1));
    expect(screen.getByText('ops')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Older' }));
    await waitFor(() => expect(screen.getByText('Suspend')).toBeTruthy());
    expect(api.audit).toHaveBeenLastCalledWith({ target: '', before: 7 });
    expect(screen.queryByRole('button', { name: 'Older' })).toBeNull();
  });

  it("with a fixed target reads only that trip's entries, without a filter form", async () => {
    const api = fakeApi();
    render(<AuditLog api={api} version={0} target="t1" />);
    await waitFor(() => expect(screen.getByRole('table', { name: 'Actions on this trip' })).toBeTruthy());
    expect(api.audit).toHaveBeenCalledWith({ target: 't1', before: undefined });
    expect(screen.queryByRole('button', { name: 'Filter' })).toBeNull();
  });

  it("opens a target's page: a trip, a user or a node, by the action", async () => {
    const api = fakeApi();
    api.audit = vi.fn<OperatorApi['audit']>().mockResolvedValue({
      entries: [
        { ...entry, id: 3, action: 'drain_node', target: 'node-a' },
        { ...entry, id: 2, action: 'suspend', target: 'u1' },
        { ...entry, id: 1 },
      ],
    });
    const links = { openTrip: vi.fn(), openUser: vi.fn(), openNode: vi.fn() };
    render(<AuditLog api={api} version={0} links={links} />);
    fireEvent.click(await screen.findByRole('link', { name: 'node-a' }));
    fireEvent.click(screen.getByRole('link', { name: 'u1' }));
    fireEvent.click(screen.getByRole('link', { name: 't1' }));
    expect(links.openNode).toHaveBeenCalledWith('node-a');
    expect(links.openUser).toHaveBeenCalledWith('u1');
    expect(links.openTrip).toHaveBeenCalledWith('t1');
  });

  it("with a user as the fixed target is that user's log", async () => {
    const api = fakeApi();
    render(<AuditLog api={api} version={0} target="u1" targetOf="user" />);
    await waitFor(() => expect(screen.getByRole('table', { name: 'Actions on this user' })).toBeTruthy());
    expect(api.audit).toHaveBeenCalledWith({ target: 'u1', before: undefined });
  });
});
