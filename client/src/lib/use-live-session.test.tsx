// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt } from '../test/fake-jwt.ts';
import { FakeSocket } from '../test/fake-socket.ts';
import { RIDER, TRIP_ID, hello, trip } from '../test/trips.ts';
import type { Api } from './api.ts';
import { TokenManager, memorySessionStore } from './token-refresh.ts';
import type { Notice } from './trip-events.ts';
import { useLiveSession, type LiveSessionOptions } from './use-live-session.ts';

beforeEach(() => {
  FakeSocket.instances = [];
});
afterEach(cleanup);

function setup(api: Partial<Api> = {}) {
  const tokens = new TokenManager({
    store: memorySessionStore({
      accessToken: fakeJwt({ exp: Math.floor(Date.now() / 1000) + 900 }),
      refreshToken: 'r',
      user: RIDER,
    }),
  });
  const notices: Notice[] = [];
  const onSessionEnd = vi.fn();
  const options: LiveSessionOptions = {
    tokens,
    api: api as Api,
    role: 'rider',
    onNotice: (n) => notices.push(n),
    onSessionEnd,
    clientOptions: { WebSocket: FakeSocket, random: () => 0 },
  };
  const view = renderHook(() => useLiveSession(options));
  return { ...view, notices, onSessionEnd };
}

async function socket(): Promise<FakeSocket> {
  await waitFor(() => expect(FakeSocket.instances.length).toBeGreaterThan(0));
  return FakeSocket.last();
}

describe('useLiveSession', () => {
  it('connects with the token, then rebuilds the trip from hello', async () => {
    const { result } = setup();
    const ws = await socket();
    // The token rides in a subprotocol, never in the URL (access logs).
    expect(ws.url).toMatch(/\/ws$/);
    expect(ws.protocols?.[0]).toBe('hail.v1');
    expect(ws.protocols?.[1]).toMatch(/^bearer\.ey/);
    expect(result.current.connection.state).toBe('connecting');
    act(() => ws.serverSend(hello(RIDER, trip('accepted'))));
    expect(result.current.connection.state).toBe('open');
    expect(result.current.state.trip?.status).toBe('accepted');
    expect(result.current.helloCount).toBe(1);
  });

  it('folds events and toasts each change once', async () => {
    const { result, notices } = setup();
    const ws = await socket();
    act(() => ws.serverSend(hello(RIDER, null)));
    act(() => {
      ws.serverSend({ type: 'trip.updated', trip: trip('requested') });
      ws.serverSend({ type: 'trip.updated', trip: trip('accepted') });
      ws.serverSend({ type: 'trip.updated', trip: trip('accepted') });
      ws.serverSend({ type: 'driver.location', trip_id: TRIP_ID, lat: 52.51, lng: 13.4, at: '2026-11-22T10:01:01Z' });
    });
    expect(result.current.state.driverPosition).toMatchObject({ lat: 52.51, lng: 13.4 });
    expect(notices.map((n) => n.text)).toEqual([
      'Trip requested: searching for a driver',
      'Bo accepted your trip and is on the way',
    ]);
  });

  it('shows an error frame without ref as an alert', async () => {
    const { notices } = setup();
    const ws = await socket();
    act(() => ws.serverSend(hello(RIDER, null)));
    act(() => ws.serverSend({ type: 'error', code: 'rate_limited', message: 'too many messages' }));
    expect(notices).toEqual([{ kind: 'alert', text: 'Server error: too many messages' }]);
  });

  it("reports a failed command with the server's message, and folds an ok's trip", async () => {
    const { result, notices } = setup();
    const ws = await socket();
    act(() => ws.serverSend(hello(RIDER, null)));

    let pending!: ReturnType<typeof result.current.command>;
    act(() => {
      pending = result.current.command({ type: 'trip.cancel', trip_id: TRIP_ID }, 'Could not cancel the trip');
    });
    const ref = ws.sentFrames().at(-1)!.ref;
    act(() =>
      ws.serverSend({
        type: 'error',
        ref,
        code: 'conflict',
        message: 'cancel needs status requested, accepted or arrived',
      }),
    );
    const failed = await pending;
    expect(failed.ok).toBe(false);
    expect(notices.at(-1)).toEqual({
      kind: 'alert',
      text: 'Could not cancel the trip: cancel needs status requested, accepted or arrived',
    });

    act(() => {
      pending = result.current.command(
        { type: 'trip.request', pickup: { lat: 52.52, lng: 13.405 }, dropoff: { lat: 52.5, lng: 13.37 } },
        'Could not request the trip',
      );
    });
    const ref2 = ws.sentFrames().at(-1)!.ref;
    await act(async () => {
      ws.serverSend({ type: 'ok', ref: ref2, trip: trip('requested') });
      await pending;
    });
    expect(result.current.state.trip?.status).toBe('requested');
  });

  it('shows a lost connection and re-reads a trip that ended while away', async () => {
    const tripById = vi.fn(async () => trip('completed'));
    const { result, notices } = setup({ trip: tripById });
    const first = await socket();
    act(() => first.serverSend(hello(RIDER, trip('in_progress'))));
    act(() => first.serverClose(1006));
    expect(result.current.connection.state).toBe('reconnecting');
    await waitFor(() => expect(FakeSocket.instances).toHaveLength(2));
    act(() => FakeSocket.last().serverSend(hello(RIDER, null)));
    expect(result.current.helloCount).toBe(2);
    await waitFor(() => expect(result.current.state.trip?.status).toBe('completed'));
    expect(tripById).toHaveBeenCalledWith(TRIP_ID);
    expect(notices.at(-1)).toEqual({ kind: 'status', text: 'Trip completed' });
  });

  it('ends the session when the server says the user is gone', async () => {
    const { result, onSessionEnd } = setup();
    const ws = await socket();
    act(() => ws.serverSend(hello(RIDER, null)));
    act(() => ws.serverClose(1008, 'user gone'));
    expect(result.current.connection.state).toBe('closed');
    expect(onSessionEnd).toHaveBeenCalledWith('Your account no longer exists. Log in again.');
  });
});
