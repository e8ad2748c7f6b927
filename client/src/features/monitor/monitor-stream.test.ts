import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { StateChange } from '../../lib/ws-client.ts';
import { MonitorStream, type MonitorEvent, type MonitorStreamOptions } from './monitor-stream.ts';

/** An EventSource the test plays the server (and the browser) of. */
class FakeSource {
  static instances: FakeSource[] = [];
  readyState = 0;
  closed = false;
  private readonly listeners = new Map<string, ((event: Event) => void)[]>();

  constructor(readonly url: string) {
    FakeSource.instances.push(this);
  }

  static last(): FakeSource {
    const source = FakeSource.instances.at(-1);
    if (!source) throw new Error('no source was opened');
    return source;
  }

  addEventListener(type: string, listener: (event: Event) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.closed = true;
    this.readyState = 2;
  }

  private emit(type: string, event: object): void {
    for (const l of this.listeners.get(type) ?? []) l(event as Event);
  }

  open(): void {
    this.readyState = 1;
    this.emit('open', {});
  }

  send(kind: string, data: unknown): void {
    this.emit(kind, { data: typeof data === 'string' ? data : JSON.stringify(data) });
  }

  /** The connection dropped; the browser will retry by itself. */
  drop(): void {
    this.readyState = 0;
    this.emit('error', {});
  }

  /** The answer was not a stream (401, 403, 502): the browser gives up. */
  refuse(): void {
    this.readyState = 2;
    this.emit('error', {});
  }
}

const TASKS = { tasks: [] };

function setup(overrides: Partial<MonitorStreamOptions> = {}) {
  let n = 0;
  const options: MonitorStreamOptions = {
    url: (token) => `http://hail.test/api/monitor/stream?token=${token}`,
    getToken: vi.fn(async () => `t${++n}`),
    needsRefresh: () => false,
    check: vi.fn(async () => {}),
    isFatal: (e) => e instanceof Error && e.message === 'fatal',
    EventSource: FakeSource,
    random: () => 0.5,
    backoff: { baseMs: 1000, capMs: 8000 },
    watchMs: 1000,
    staleAfterMs: 5000,
    ...overrides,
  };
  const stream = new MonitorStream(options);
  const states: StateChange[] = [];
  const events: MonitorEvent[] = [];
  stream.onStateChange((s) => states.push(s));
  stream.onEvent((e) => events.push(e));
  return { stream, options, states, events };
}

beforeEach(() => {
  FakeSource.instances = [];
  vi.useFakeTimers();
});

afterEach(() => {
  vi.useRealTimers();
});

describe('MonitorStream', () => {
  it('connects with the token in the URL and reports the events it parsed', async () => {
    const { stream, states, events } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const source = FakeSource.last();
    expect(source.url).toBe('http://hail.test/api/monitor/stream?token=t1');
    expect(states.at(-1)).toEqual({ state: 'connecting', attempt: 0 });
    source.open();
    expect(stream.state).toEqual({ state: 'open', attempt: 0 });
    source.send('tasks', TASKS);
    expect(events).toEqual([{ kind: 'tasks', data: TASKS }]);
    stream.close();
  });

  it("turns data off the contract and the server's error events into error events", async () => {
    const { stream, events } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const source = FakeSource.last();
    source.open();
    source.send('map', { drivers: 'many' });
    source.send('overview', '{nope');
    source.send('error', 'map: store unavailable: pool timed out');
    source.send('error', 'something odd');
    expect(events).toEqual([
      { kind: 'error', source: 'map', message: expect.stringContaining('$.drivers') as string },
      { kind: 'error', source: 'overview', message: expect.stringContaining('not JSON') as string },
      { kind: 'error', source: 'map', message: 'store unavailable: pool timed out' },
      { kind: 'error', source: 'stream', message: 'something odd' },
    ]);
    // A server error event is not a connection error.
    expect(stream.state.state).toBe('open');
    stream.close();
  });

  it("shows the browser's own retry as reconnecting, then open again", async () => {
    const { stream, states } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const source = FakeSource.last();
    source.open();
    source.drop();
    expect(stream.state).toEqual({ state: 'reconnecting', attempt: 1 });
    source.open();
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
    expect(FakeSource.instances).toHaveLength(1);
    stream.close();
  });

  it('after a refusal, checks, waits a backoff and reconnects with a fresh token', async () => {
    const { stream, options } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeSource.last().open();
    FakeSource.last().refuse();
    await vi.advanceTimersByTimeAsync(0);
    expect(options.check).toHaveBeenCalledTimes(1);
    // Full jitter: 0.5 of min(8000, 1000 * 2^0).
    expect(stream.state).toEqual({ state: 'reconnecting', attempt: 1, retryInMs: 500 });
    expect(FakeSource.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(500);
    expect(FakeSource.instances).toHaveLength(2);
    expect(FakeSource.last().url).toContain('token=t2');
    FakeSource.last().open();
    expect(stream.state).toEqual({ state: 'open', attempt: 0 });
    stream.close();
  });

  it('backs off further on every refusal in a row, and retries after a passing failure', async () => {
    const check = vi.fn(async () => Promise.reject(new Error('network down')));
    const { stream } = setup({ check });
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeSource.last().refuse();
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.state.retryInMs).toBe(500);
    await vi.advanceTimersByTimeAsync(500);
    FakeSource.last().refuse();
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.state).toEqual({ state: 'reconnecting', attempt: 2, retryInMs: 1000 });
    stream.close();
  });

  it('stops for good when the check says the session cannot use the monitor', async () => {
    const fatal = new Error('fatal');
    const { stream } = setup({ check: vi.fn(async () => Promise.reject(fatal)) });
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    FakeSource.last().refuse();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(stream.state).toEqual({ state: 'closed', attempt: 1, error: fatal });
    expect(FakeSource.instances).toHaveLength(1);
  });

  it('stops when there is no token to be had', async () => {
    const fatal = new Error('fatal');
    const { stream } = setup({ getToken: vi.fn(async () => Promise.reject(fatal)) });
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(stream.state).toMatchObject({ state: 'closed', error: fatal });
    expect(FakeSource.instances).toHaveLength(0);
  });

  it('swaps in a source with a fresh token before the old one expires, without a gap', async () => {
    let stale = false;
    const { stream, states, events } = setup({ needsRefresh: (token) => stale && token === 't1' });
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const old = FakeSource.last();
    old.open();
    old.send('tasks', TASKS);
    stale = true;
    await vi.advanceTimersByTimeAsync(1000);
    const fresh = FakeSource.last();
    expect(fresh).not.toBe(old);
    expect(fresh.url).toContain('token=t2');
    // Until the new one is open the old one still counts.
    old.send('tasks', TASKS);
    fresh.send('tasks', TASKS);
    expect(events).toHaveLength(2);
    fresh.open();
    expect(old.closed).toBe(true);
    fresh.send('tasks', TASKS);
    expect(events).toHaveLength(3);
    expect(states.map((s) => s.state)).toEqual(['connecting', 'open']);
    // No further swap: the new token is fine.
    await vi.advanceTimersByTimeAsync(3000);
    expect(FakeSource.instances).toHaveLength(2);
    stream.close();
  });

  it('keeps the old source when the replacement fails, and tries again later', async () => {
    const { stream } = setup({ needsRefresh: (token) => token === 't1' });
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const old = FakeSource.last();
    old.open();
    await vi.advanceTimersByTimeAsync(1000);
    FakeSource.last().refuse();
    expect(old.closed).toBe(false);
    expect(stream.state.state).toBe('open');
    old.send('tasks', TASKS);
    await vi.advanceTimersByTimeAsync(1000);
    expect(FakeSource.instances).toHaveLength(3);
    stream.close();
  });

  it('reopens a stream that went silent', async () => {
    const { stream } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = FakeSource.last();
    first.open();
    await vi.advanceTimersByTimeAsync(4000);
    first.send('tasks', TASKS);
    await vi.advanceTimersByTimeAsync(4000);
    expect(FakeSource.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2000);
    expect(first.closed).toBe(true);
    expect(FakeSource.instances).toHaveLength(2);
    expect(stream.state).toEqual({ state: 'reconnecting', attempt: 1 });
    stream.close();
  });

  it('waits longer before calling a slow stream dead, once told the heartbeat', async () => {
    const { stream } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const first = FakeSource.last();
    first.open();
    stream.expectEventsWithin(20_000);
    await vi.advanceTimersByTimeAsync(19_000);
    expect(FakeSource.instances).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(first.closed).toBe(true);
    stream.close();
  });

  it('closes its sources when closed, and reports it without an error', async () => {
    const { stream, events } = setup();
    stream.start();
    await vi.advanceTimersByTimeAsync(0);
    const source = FakeSource.last();
    source.open();
    stream.close();
    expect(source.closed).toBe(true);
    expect(stream.state).toEqual({ state: 'closed', attempt: 0 });
    source.send('tasks', TASKS);
    expect(events).toEqual([]);
  });
});
