import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { fakeJwt } from '../test/fake-jwt.ts';
import type { HelloMessage, Trip, TokenResponse, User } from './protocol.ts';
import { TokenManager, memorySessionStore } from './token-refresh.ts';
import {
  WsClient,
  WsClosedError,
  WsRequestError,
  backoffDelay,
  type StateChange,
  type Timers,
  type WsClientOptions,
} from './ws-client.ts';
import { FakeSocket } from '../test/fake-socket.ts';

const USER: User = { id: '0196a0e4-2d3c-7e4f-9a51-6b7c8d9e0f12', username: 'bo', role: 'driver', name: 'Bo' };
const TRIP: Trip = {
  id: '0196a0e5-3e4d-7f50-a162-7c8d9e0f1a23',
  status: 'accepted',
  rider: { id: '0196a0e4-1c2b-7d3e-8f40-5a6b7c8d9e01', name: 'Ann' },
  driver: { id: USER.id, name: 'Bo' },
  pickup: { lat: 52.521918, lng: 13.413215, address: 'Alexanderplatz' },
  dropoff: { lat: 52.525084, lng: 13.369402 },
  requested_at: '2026-11-22T10:00:00.123456Z',
  accepted_at: '2026-11-22T10:00:04.870223Z',
};
const HELLO: HelloMessage = { type: 'hello', user: USER, trip: null, server_time: '2026-11-22T10:00:00.5Z' };

const timers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

function makeClient(overrides: Partial<WsClientOptions> = {}) {
  const states: StateChange[] = [];
  const client = new WsClient({
    url: (token) => `ws://hail.test/ws?token=${token}`,
    getToken: async () => 'token-1',
    WebSocket: FakeSocket,
    timers,
    random: () => 0.5,
    ...overrides,
  });
  client.onStateChange((s) => states.push(s));
  return { client, states };
}

/** Lets the client's awaits (getToken) run. */
const flush = () => vi.advanceTimersByTimeAsync(0);

async function connected(overrides: Partial<WsClientOptions> = {}) {
  const made = makeClient(overrides);
  const hello = made.client.connect();
  await flush();
  FakeSocket.last().serverSend(HELLO);
  await hello;
  return { ...made, socket: FakeSocket.last() };
}

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.instances = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('WsClient connecting', () => {
  it('connects with the token and resolves hello', async () => {
    const { client, states } = makeClient();
    const hello = client.connect();
    expect(client.connectionState).toBe('connecting');
    await flush();
    const socket = FakeSocket.last();
    expect(socket.url).toBe('ws://hail.test/ws?token=token-1');
    const withTrip = { ...HELLO, trip: TRIP };
    socket.serverSend(withTrip);
    await expect(hello).resolves.toEqual(withTrip);
    expect(client.connectionState).toBe('open');
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
  });

  it('emits server messages to subscribers by type, and ignores off-contract frames', async () => {
    const onProtocolError = vi.fn();
    const { client, socket } = await connected({ onProtocolError });
    const updates: Trip[] = [];
    const off = client.on('trip.updated', (m) => updates.push(m.trip));
    const withdrawn = vi.fn();
    client.on('trip.offer_withdrawn', withdrawn);

    socket.serverSend({ type: 'trip.updated', trip: TRIP });
    socket.serverSend({ type: 'trip.teleport' });
    socket.serverSend({ type: 'trip.offer_withdrawn', trip_id: TRIP.id, reason: 'taken' });
    off();
    socket.serverSend({ type: 'trip.updated', trip: TRIP });

    expect(updates).toEqual([TRIP]);
    expect(withdrawn).toHaveBeenCalledWith({ type: 'trip.offer_withdrawn', trip_id: TRIP.id, reason: 'taken' });
    expect(onProtocolError).toHaveBeenCalledTimes(1);
  });
});

describe('WsClient requests', () => {
  it('resolves a request with the ok of the same ref, carrying its trip', async () => {
    const { client, socket } = await connected();
    const first = client.request({ type: 'trip.accept', trip_id: TRIP.id });
    const second = client.request({ type: 'driver.available', available: true });
    const [f1, f2] = socket.sentFrames();
    expect(f1).toEqual({ type: 'trip.accept', trip_id: TRIP.id, ref: f1!.ref });
    expect(f1!.ref).not.toEqual(f2!.ref);

    // Answers may come in any order; each goes to its own ref.
    socket.serverSend({ type: 'ok', ref: f2!.ref });
    socket.serverSend({ type: 'ok', ref: f1!.ref, trip: TRIP });
    await expect(first).resolves.toEqual({ type: 'ok', ref: f1!.ref, trip: TRIP });
    await expect(second).resolves.toEqual({ type: 'ok', ref: f2!.ref });
  });

  it('rejects a request with a typed error carrying the code', async () => {
    const { client, socket } = await connected();
    const accept = client.request({ type: 'trip.accept', trip_id: TRIP.id });
    const ref = socket.sentFrames()[0]!.ref;
    socket.serverSend({ type: 'error', ref, code: 'trip_taken', message: 'another driver accepted this trip' });
    const error = await accept.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WsRequestError);
    expect(error).toMatchObject({ code: 'trip_taken', message: 'another driver accepted this trip' });
  });

  it('rejects a request whose error code it does not know as internal, not a dropped frame', async () => {
    const onProtocolError = vi.fn();
    const { client, socket } = await connected({ onProtocolError });
    const errors: unknown[] = [];
    client.on('error', (m) => errors.push(m));
    const start = client.request({ type: 'trip.start', trip_id: TRIP.id });
    const ref = socket.sentFrames()[0]!.ref;
    socket.serverSend({ type: 'error', ref, code: 'surge_pricing', message: 'prices are up' });
    await expect(start).rejects.toMatchObject({ code: 'internal', message: 'prices are up' });
    expect(errors).toEqual([{ type: 'error', ref, code: 'internal', unknown_code: 'surge_pricing', message: 'prices are up' }]);
    expect(onProtocolError).not.toHaveBeenCalled();
  });

  it('times out a request nobody answers', async () => {
    const { client } = await connected({ requestTimeoutMs: 5_000 });
    const request = client.request({ type: 'trip.start', trip_id: TRIP.id });
    const settled = request.catch((e: unknown) => e);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(await settled).toMatchObject({ code: 'timeout' });
  });

  it('rejects requests when not open, and pending ones when the socket drops', async () => {
    const { client, socket } = await connected();
    const pending = client.request({ type: 'trip.arrive', trip_id: TRIP.id }).catch((e: unknown) => e);
    socket.serverClose(1006);
    expect(await pending).toMatchObject({ code: 'disconnected' });
    await expect(client.request({ type: 'trip.arrive', trip_id: TRIP.id })).rejects.toMatchObject({
      code: 'not_connected',
    });
    expect(client.notify({ type: 'location', lat: 52.52, lng: 13.4 })).toBe(false);
    client.close();
  });

  it('notify sends without a ref', async () => {
    const { client, socket } = await connected();
    expect(client.notify({ type: 'location', lat: 52.520412, lng: 13.409874, heading: 87.5 })).toBe(true);
    expect(socket.sentFrames()).toEqual([{ type: 'location', lat: 52.520412, lng: 13.409874, heading: 87.5 }]);
  });
});

describe('WsClient reconnecting', () => {
  it('computes full-jitter delays within bounds', () => {
    for (let attempt = 0; attempt < 12; attempt++) {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      expect(backoffDelay(attempt, () => 0)).toBe(0);
      expect(backoffDelay(attempt, () => 0.999999)).toBeLessThan(ceiling);
      expect(backoffDelay(attempt, () => 0.999999)).toBeGreaterThanOrEqual(ceiling - 1);
      const d = backoffDelay(attempt, Math.random);
      expect(d).toBeGreaterThanOrEqual(0);
      expect(d).toBeLessThan(ceiling);
    }
  });

  it('backs off with growing jittered delays, then resets after a hello', async () => {
    const { client, states, socket } = await connected({ random: () => 0.5 });
    const delays = () => states.filter((s) => s.state === 'reconnecting').map((s) => s.retryInMs!);

    // Seven failed attempts in a row: the socket closes before any hello.
    socket.serverClose(1006);
    for (let i = 0; i < 7; i++) {
      const before = FakeSocket.instances.length;
      await vi.advanceTimersByTimeAsync(delays().at(-1)!);
      expect(FakeSocket.instances.length).toBe(before + 1);
      FakeSocket.last().serverClose(1011);
    }
    const seen = delays();
    expect(seen).toHaveLength(8);
    seen.forEach((delay, attempt) => {
      const ceiling = Math.min(30_000, 500 * 2 ** attempt);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(ceiling);
    });
    expect(seen).toEqual([250, 500, 1000, 2000, 4000, 8000, 15000, 15000]); // 0.5 * capped ceiling
    for (let i = 1; i < seen.length; i++) expect(seen[i]!).toBeGreaterThanOrEqual(seen[i - 1]!);
    expect(client.connectionState).toBe('reconnecting');

    // Not yet: one ms short of the delay opens nothing.
    const before = FakeSocket.instances.length;
    await vi.advanceTimersByTimeAsync(seen.at(-1)! - 1);
    expect(FakeSocket.instances.length).toBe(before);
    await vi.advanceTimersByTimeAsync(1);
    const again = FakeSocket.last();
    const rehello = vi.fn();
    client.on('hello', rehello);
    again.serverSend({ ...HELLO, trip: TRIP });
    expect(rehello).toHaveBeenCalledWith({ ...HELLO, trip: TRIP });
    expect(client.connectionState).toBe('open');

    // After a hello the next drop starts from the base again.
    again.serverClose(1001);
    expect(states.at(-1)).toEqual({ state: 'reconnecting', attempt: 1, retryInMs: 250 });
    client.close();
  });

  it('refreshes a token near expiry before reconnecting', async () => {
    let now = Date.parse('2026-11-22T10:00:00Z');
    const expAt = (ms: number) => fakeJwt({ sub: USER.id, role: 'driver', exp: Math.floor(ms / 1000) });
    const first = expAt(now + 900_000);
    const second = expAt(now + 1_800_000);
    const response: TokenResponse = {
      access_token: second,
      refresh_token: 'refresh-2',
      token_type: 'Bearer',
      expires_in: 900,
      user: USER,
    };
    const fetch = vi.fn<typeof globalThis.fetch>(async () => new Response(JSON.stringify(response), { status: 200 }));
    const tokens = new TokenManager({
      store: memorySessionStore({ accessToken: first, refreshToken: 'refresh-1', user: USER }),
      fetch,
      now: () => now,
    });
    const { socket } = await connected({ getToken: () => tokens.getToken() });
    expect(socket.url).toContain(`token=${first}`);
    expect(fetch).not.toHaveBeenCalled();

    // 14.5 minutes later the token has 30 s left: the reconnect refreshes first.
    now += 870_000;
    socket.serverClose(1001);
    await vi.advanceTimersByTimeAsync(250);
    expect(fetch).toHaveBeenCalledTimes(1);
    expect(FakeSocket.last().url).toContain(`token=${second}`);
  });

  it('keeps retrying when the token cannot be fetched for now', async () => {
    let fail = true;
    const { client, states } = makeClient({
      getToken: async () => {
        if (fail) throw new Error('offline');
        return 'token-2';
      },
    });
    const hello = client.connect();
    await flush();
    expect(FakeSocket.instances).toHaveLength(0);
    expect(states.at(-1)).toMatchObject({ state: 'reconnecting', retryInMs: 250 });
    fail = false;
    await vi.advanceTimersByTimeAsync(250);
    FakeSocket.last().serverSend(HELLO);
    await expect(hello).resolves.toEqual(HELLO);
  });

  it('stops on a terminal token failure or close code 1008', async () => {
    const noSession = Object.assign(new Error('not logged in'), { terminal: true });
    const { client, states } = makeClient({ getToken: async () => Promise.reject(noSession) });
    const hello = client.connect().catch((e: unknown) => e);
    await flush();
    expect(await hello).toBeInstanceOf(WsClosedError);
    expect(states.at(-1)).toMatchObject({ state: 'closed', error: noSession });

    const second = await connected();
    second.socket.serverClose(1008, 'user gone');
    expect(second.client.connectionState).toBe('closed');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances.filter((s) => s !== second.socket && s.url.includes('token-1'))).toHaveLength(0);
  });

  it.each([4003, 4009, 1007])('stops on close code %i (revoked, replaced, not UTF-8)', async (code) => {
    const { client, socket } = await connected();
    socket.serverClose(code, 'terminal');
    expect(client.connectionState).toBe('closed');
    const count = FakeSocket.instances.length;
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances.length).toBe(count);
  });

  it('offers the token as subprotocols when asked, keeping it out of the URL', async () => {
    const { socket } = await connected({
      url: () => 'ws://hail.test/ws',
      protocols: (token) => ['hail.v1', `bearer.${token}`],
    });
    expect(socket.url).toBe('ws://hail.test/ws');
    expect(socket.protocols).toEqual(['hail.v1', 'bearer.token-1']);
  });

  it('reconnects after 4001 (access token expired), with a fresh token', async () => {
    const { client, socket } = await connected();
    socket.serverClose(4001, 'access token expired');
    expect(client.connectionState).toBe('reconnecting');
    await vi.advanceTimersByTimeAsync(60_000);
    expect(FakeSocket.instances.length).toBeGreaterThan(1);
  });

  it('close() stops reconnecting, also while a retry is scheduled', async () => {
    const { client, socket, states } = await connected();
    socket.serverClose(1006);
    expect(client.connectionState).toBe('reconnecting');
    const count = FakeSocket.instances.length;
    client.close();
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.instances.length).toBe(count);
    expect(client.connectionState).toBe('closed');
    expect(states.at(-1)).toEqual({ state: 'closed', attempt: 1 });

    // And on an open socket: it is closed with 1000 and never reopened.
    const open = await connected();
    open.client.close();
    expect(open.socket.closedByClient).toBe(1000);
    open.socket.serverClose(1000);
    await vi.advanceTimersByTimeAsync(120_000);
    expect(FakeSocket.last()).toBe(open.socket);
  });
});
