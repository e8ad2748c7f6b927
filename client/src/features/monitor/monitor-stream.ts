// The monitor's live feed: `GET /api/monitor/stream` through `EventSource`.
// Every heartbeat the server sends `overview`, `tasks`, `dispatches` and `map`
// events (the JSON of the GET endpoints) and, for a read that failed, an
// `error` event with a text message.
//
// States, with the WebSocket client's words so the same badge shows them:
// `connecting` -> `open` -> (the browser's own retry) `reconnecting` -> `open`.
// The browser gives up on an answer that is not a stream (401, 403, a 502
// from a proxy): the source is then CLOSED and `check` (an authenticated GET,
// which refreshes the token on a 401) says whether to try again after a
// backoff or to stop for good (`closed` with the error: not an admin, session
// over). The token only counts at connect, so the open stream outlives it;
// before it expires a second source opens with a fresh token and replaces
// the first once it is open. A stream silent for `staleAfterMs` (a dead TCP
// connection the browser has not noticed) is reopened.
//
// EventSource, timers and randomness are injectable for tests.

import { ProtocolError } from '../../lib/decode.ts';
import {
  parseDispatchesResponse,
  parseEventData,
  parseMonitorMap,
  parseOverview,
  parseTasksResponse,
  type DispatchesResponse,
  type MonitorMap,
  type Overview,
  type TasksResponse,
} from '../../lib/monitor-protocol.ts';
import {
  DEFAULT_BACKOFF,
  backoffDelay,
  type BackoffOptions,
  type ConnectionState,
  type StateChange,
  type Timers,
} from '../../lib/ws-client.ts';

export type MonitorEvent =
  | { kind: 'overview'; data: Overview }
  | { kind: 'tasks'; data: TasksResponse }
  | { kind: 'dispatches'; data: DispatchesResponse }
  | { kind: 'map'; data: MonitorMap }
  /** The server's `error` event, or one of ours that did not parse. `source`: the event it was about. */
  | { kind: 'error'; source: string; message: string };

export type DataKind = Exclude<MonitorEvent['kind'], 'error'>;

const PARSERS: { [K in DataKind]: (value: unknown) => Extract<MonitorEvent, { kind: K }>['data'] } = {
  overview: parseOverview,
  tasks: parseTasksResponse,
  dispatches: parseDispatchesResponse,
  map: parseMonitorMap,
};

export const DATA_KINDS = Object.keys(PARSERS) as DataKind[];

/** What the stream needs of an `EventSource`; the browser's satisfies it. */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: Event) => void): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string) => EventSourceLike;

/** `EventSource.CLOSED`: the browser will not retry this source. */
const CLOSED = 2;

export interface MonitorStreamOptions {
  /** The stream URL for an access token. */
  url: (token: string) => string;
  /** An access token good for a while (the `TokenManager`). */
  getToken: () => Promise<string>;
  /** Whether `token` should be replaced now (near its expiry). */
  needsRefresh: (token: string) => boolean;
  /**
   * Asked after the server refused the stream: resolves when trying again
   * makes sense, rejects with why it does not (or with a passing failure).
   */
  check: () => Promise<void>;
  /** Errors (of `check` or `getToken`) that end the stream for good. */
  isFatal: (error: unknown) => boolean;
  EventSource?: EventSourceConstructor;
  timers?: Timers;
  random?: () => number;
  now?: () => number;
  backoff?: BackoffOptions;
  /** How often the token and the stream's liveness are checked. */
  watchMs?: number;
  /** An open stream with no event for this long is reopened (see `expectEventsWithin`). */
  staleAfterMs?: number;
}

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

type Listener<T> = (value: T) => void;

export class MonitorStream {
  private readonly options: MonitorStreamOptions;
  private readonly timers: Timers;
  private readonly now: () => number;
  /** The source whose events count. */
  private source: EventSourceLike | null = null;
  /** A source with a fresh token, replacing `source` once it opens. */
  private next: EventSourceLike | null = null;
  /** The tokens `source` and `next` connected with. */
  private token = '';
  private nextToken = '';
  private change: StateChange = { state: 'connecting', attempt: 0 };
  private started = false;
  private stopped = false;
  private retryTimer: unknown = null;
  private watchTimer: unknown = null;
  private lastEventAt = 0;
  private staleAfterMs: number;
  private readonly stateListeners = new Set<Listener<StateChange>>();
  private readonly eventListeners = new Set<Listener<MonitorEvent>>();

  constructor(options: MonitorStreamOptions) {
    this.options = options;
    this.timers = options.timers ?? defaultTimers;
    this.now = options.now ?? Date.now;
    this.staleAfterMs = options.staleAfterMs ?? 15_000;
  }

  /**
   * How long the stream may be silent before it counts as dead. The server
   * sends every heartbeat, whose length it tells in each overview: a slow
   * heartbeat must not look like a dead connection.
   */
  expectEventsWithin(ms: number): void {
    if (Number.isFinite(ms) && ms > 0) this.staleAfterMs = ms;
  }

  get state(): StateChange {
    return this.change;
  }

  onStateChange(listener: Listener<StateChange>): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  onEvent(listener: Listener<MonitorEvent>): () => void {
    this.eventListeners.add(listener);
    return () => this.eventListeners.delete(listener);
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.setState({ state: 'connecting', attempt: 0 });
    void this.open();
    this.watch();
  }

  /** Stops for good (log out, page gone). */
  close(): void {
    this.stop();
    this.setState({ state: 'closed', attempt: this.change.attempt });
  }

  private stop(): void {
    this.stopped = true;
    this.timers.clearTimeout(this.retryTimer);
    this.timers.clearTimeout(this.watchTimer);
    this.source?.close();
    this.next?.close();
    this.source = null;
    this.next = null;
  }

  private setState(change: StateChange): void {
    this.change = change;
    for (const listener of this.stateListeners) listener(change);
  }

  private emit(event: MonitorEvent): void {
    for (const listener of this.eventListeners) listener(event);
  }

  private async open(): Promise<void> {
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (e) {
      if (this.stopped) return;
      if (this.options.isFatal(e)) this.fail(e);
      else this.retryLater(this.change.attempt + 1);
      return;
    }
    if (this.stopped) return;
    this.token = token;
    this.source = this.connect(token);
  }

  private connect(token: string): EventSourceLike {
    const Source = this.options.EventSource ?? (globalThis.EventSource as unknown as EventSourceConstructor);
    const source = new Source(this.options.url(token));
    source.addEventListener('open', () => this.onOpen(source));
    // One listener gets both the server's `event: error` (a MessageEvent with
    // data) and the browser's own connection errors (a plain Event).
    source.addEventListener('error', (event) => this.onError(source, event));
    for (const kind of DATA_KINDS) source.addEventListener(kind, (event) => this.onData(source, kind, event));
    return source;
  }

  private onOpen(source: EventSourceLike): void {
    if (this.stopped) return;
    if (source === this.next) {
      // The fresh-token source is up: it takes over.
      this.source?.close();
      this.source = source;
      this.token = this.nextToken;
      this.next = null;
    }
    if (source !== this.source) return;
    this.lastEventAt = this.now();
    if (this.change.state !== 'open') this.setState({ state: 'open', attempt: 0 });
  }

  private onError(source: EventSourceLike, event: Event): void {
    if (this.stopped) return;
    const data = (event as { data?: unknown }).data;
    if (typeof data === 'string') {
      if (source === this.source) this.serverError(data);
      return;
    }
    if (source === this.next) {
      // The replacement failed; the old source still runs. The next watch tries again.
      source.close();
      this.next = null;
      return;
    }
    if (source !== this.source) return;
    const attempt = this.change.attempt + 1;
    if (source.readyState === CLOSED) {
      source.close();
      this.source = null;
      void this.recover(attempt);
    } else {
      // The browser reconnects by itself (after its retry delay).
      this.setState({ state: 'reconnecting', attempt });
    }
  }

  private serverError(data: string): void {
    this.lastEventAt = this.now();
    // The server writes "<event>: <why>" (e.g. "map: store unavailable").
    const match = /^(\w+): ([\s\S]*)$/.exec(data);
    this.emit({ kind: 'error', source: match?.[1] ?? 'stream', message: match?.[2] ?? data });
  }

  private onData(source: EventSourceLike, kind: DataKind, event: Event): void {
    if (this.stopped || source !== this.source) return;
    this.lastEventAt = this.now();
    const text = (event as { data?: unknown }).data;
    try {
      if (typeof text !== 'string') throw new ProtocolError('$', 'no data');
      const parse: (value: unknown) => unknown = PARSERS[kind];
      this.emit({ kind, data: parseEventData(text, parse) } as MonitorEvent);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      this.emit({ kind: 'error', source: kind, message: `unexpected data from the server (${e.message})` });
    }
  }

  /** The server refused the stream: ask why, then retry or stop. */
  private async recover(attempt: number): Promise<void> {
    this.setState({ state: 'reconnecting', attempt });
    try {
      await this.options.check();
    } catch (e) {
      if (this.stopped) return;
      if (this.options.isFatal(e)) {
        this.fail(e);
        return;
      }
    }
    if (!this.stopped) this.retryLater(attempt);
  }

  private retryLater(attempt: number): void {
    const delay = backoffDelay(
      attempt - 1,
      this.options.random ?? Math.random,
      this.options.backoff ?? DEFAULT_BACKOFF,
    );
    this.setState({ state: 'reconnecting', attempt, retryInMs: delay });
    this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = null;
      void this.open();
    }, delay);
  }

  private fail(error: unknown): void {
    this.stop();
    this.setState({ state: 'closed', attempt: this.change.attempt, error });
  }

  private watch(): void {
    this.watchTimer = this.timers.setTimeout(() => {
      if (this.stopped) return;
      this.checkLiveness();
      void this.checkToken();
      this.watch();
    }, this.options.watchMs ?? 5_000);
  }

  private checkLiveness(): void {
    const state: ConnectionState = this.change.state;
    if (this.source === null || state !== 'open') return;
    if (this.now() - this.lastEventAt <= this.staleAfterMs) return;
    this.source.close();
    this.source = null;
    this.next?.close();
    this.next = null;
    this.setState({ state: 'reconnecting', attempt: 1 });
    void this.open();
  }

  private async checkToken(): Promise<void> {
    if (this.source === null || this.next !== null || !this.options.needsRefresh(this.token)) return;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (e) {
      // The open stream goes on; a session that is over ends it.
      if (!this.stopped && this.options.isFatal(e)) this.fail(e);
      return;
    }
    if (this.stopped || this.source === null || this.next !== null || token === this.token) return;
    this.nextToken = token;
    this.next = this.connect(token);
  }
}
