// One reconnecting WebSocket session with the Hail server.
//
// connect -> `hello` (state `open`) -> commands with a `ref`, each answered by
// one `ok` or `error` -> on a close: reject what is pending, wait a backoff
// (full jitter, base 500 ms, cap 30 s, reset by the next `hello`), fetch a
// token (refreshed if near expiry) and connect again. `hello` carries the
// active trip, so a reconnected app is whole again from that one frame.
//
// The WebSocket constructor, the timers and the random source are injectable
// so tests drive a fake socket with fake time.

import {
  ProtocolError,
  parseServerMessage,
  type ClientMessage,
  type ErrorCode,
  type HelloMessage,
  type OkMessage,
  type ServerMessage,
  type ServerMessageOf,
  type ServerMessageType,
} from './protocol.ts';
// Close codes after which reconnecting cannot help (docs/protocol.md 4.4): those
// where `close::should_reconnect` is false, generated from protocol/src/close.rs.
import { TERMINAL_CLOSE_CODES } from './generated/close-codes.ts';

export type ConnectionState = 'connecting' | 'open' | 'reconnecting' | 'closed';

export interface StateChange {
  state: ConnectionState;
  /** Failed attempts since the last `hello`. */
  attempt: number;
  /** While `reconnecting`: how long until the next attempt. */
  retryInMs?: number;
  /** What ended the session, when it ended on its own (`closed`). */
  error?: unknown;
}

/** What the client needs of a WebSocket; the browser's satisfies it. */
export interface WebSocketLike {
  send(data: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'close', listener: (event: { code: number; reason: string }) => void): void;
  addEventListener(type: 'error', listener: () => void): void;
}

export type WebSocketConstructor = new (url: string, protocols?: string[]) => WebSocketLike;

export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

const defaultTimers: Timers = {
  setTimeout: (callback, ms) => globalThis.setTimeout(callback, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof setTimeout>),
};

export interface BackoffOptions {
  baseMs: number;
  capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000 };

/** "Full jitter": uniform in [0, min(cap, base * 2^attempt)). */
export function backoffDelay(attempt: number, random: () => number, backoff = DEFAULT_BACKOFF): number {
  const ceiling = Math.min(backoff.capMs, backoff.baseMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

export type RequestErrorCode = ErrorCode | 'timeout' | 'disconnected' | 'not_connected' | 'closed';

/** A command that did not get its `ok`: the server's `error`, or a local failure. */
export class WsRequestError extends Error {
  override readonly name = 'WsRequestError';
  readonly code: RequestErrorCode;

  constructor(code: RequestErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

/** The session ended for good (`close()`, a terminal close code or token failure). */
export class WsClosedError extends Error {
  override readonly name = 'WsClosedError';
  readonly closeCode: number | undefined;

  constructor(message: string, closeCode?: number, options?: { cause?: unknown }) {
    super(message, options);
    this.closeCode = closeCode;
  }
}

export interface WsClientOptions {
  /** Builds the socket URL for an access token, e.g. `wss://host/ws?token=...`. */
  url: (token: string) => string;
  /** Subprotocols to offer for a token (e.g. the token itself, kept out of the URL). */
  protocols?: (token: string) => string[];
  /** An access token good for a while; refreshes when near expiry. */
  getToken: () => Promise<string>;
  WebSocket?: WebSocketConstructor;
  timers?: Timers;
  random?: () => number;
  backoff?: BackoffOptions;
  /** How long a command waits for its `ok` or `error`. */
  requestTimeoutMs?: number;
  /** A frame that is not on the contract; the default logs it. */
  onProtocolError?: (error: ProtocolError, data: unknown) => void;
}

interface Pending {
  resolve: (ok: OkMessage) => void;
  reject: (error: WsRequestError) => void;
  timer: unknown;
}

type Handler<T extends ServerMessageType> = (message: ServerMessageOf<T>) => void;

export class WsClient {
  private readonly options: WsClientOptions;
  private readonly WebSocketCtor: WebSocketConstructor;
  private readonly timers: Timers;
  private readonly random: () => number;
  private readonly backoff: BackoffOptions;
  private readonly requestTimeoutMs: number;

  private state: ConnectionState = 'closed';
  /** False once `close()` ran or a terminal failure ended the session. */
  private running = false;
  /** Failed attempts since the last `hello`: the backoff exponent. */
  private attempt = 0;
  /** Bumped on every attempt, so a late token or event of an old attempt is ignored. */
  private generation = 0;
  private socket: WebSocketLike | null = null;
  private reconnectTimer: unknown = null;
  private nextRef = 0;
  private readonly pending = new Map<string, Pending>();
  private helloWaiters: { resolve: (h: HelloMessage) => void; reject: (e: unknown) => void }[] = [];
  private readonly handlers = new Map<ServerMessageType, Set<(m: ServerMessage) => void>>();
  private readonly stateHandlers = new Set<(change: StateChange) => void>();

  constructor(options: WsClientOptions) {
    this.options = options;
    this.WebSocketCtor = options.WebSocket ?? globalThis.WebSocket;
    this.timers = options.timers ?? defaultTimers;
    this.random = options.random ?? Math.random;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
  }

  get connectionState(): ConnectionState {
    return this.state;
  }

  /** Starts the session (if not running) and resolves with the next `hello`. */
  connect(): Promise<HelloMessage> {
    const hello = new Promise<HelloMessage>((resolve, reject) => {
      this.helloWaiters.push({ resolve, reject });
    });
    if (!this.running) {
      this.running = true;
      this.attempt = 0;
      this.setState({ state: 'connecting', attempt: 0 });
      void this.open();
    }
    return hello;
  }

  /** Sends a command with a fresh `ref`; resolves with its `ok`, rejects with its `error`. */
  request(message: ClientMessage, timeoutMs = this.requestTimeoutMs): Promise<OkMessage> {
    const socket = this.socket;
    if (socket === null || this.state !== 'open') {
      return Promise.reject(new WsRequestError('not_connected', `not connected (${this.state})`));
    }
    const ref = `r${++this.nextRef}`;
    return new Promise<OkMessage>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        this.pending.delete(ref);
        reject(new WsRequestError('timeout', `no answer to ${message.type} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.pending.set(ref, { resolve, reject, timer });
      socket.send(JSON.stringify({ ...message, ref }));
    });
  }

  /** Sends without a `ref` (e.g. `location`); only failures are answered. False if not open. */
  notify(message: ClientMessage): boolean {
    if (this.socket === null || this.state !== 'open') return false;
    this.socket.send(JSON.stringify(message));
    return true;
  }

  /** Subscribes to one server message type; returns the unsubscribe function. */
  on<T extends ServerMessageType>(type: T, handler: Handler<T>): () => void {
    let set = this.handlers.get(type);
    if (!set) {
      set = new Set();
      this.handlers.set(type, set);
    }
    const h = handler as (m: ServerMessage) => void;
    set.add(h);
    return () => set.delete(h);
  }

  /** Subscribes to connection state changes; returns the unsubscribe function. */
  onStateChange(handler: (change: StateChange) => void): () => void {
    this.stateHandlers.add(handler);
    return () => this.stateHandlers.delete(handler);
  }

  /** Ends the session and stops reconnecting. */
  close(): void {
    this.shutdown(new WsClosedError('closed by the client'), undefined);
  }

  private async open(): Promise<void> {
    const generation = ++this.generation;
    let token: string;
    try {
      token = await this.options.getToken();
    } catch (error) {
      if (generation !== this.generation || !this.running) return;
      if (isTerminal(error)) {
        this.shutdown(new WsClosedError('cannot get an access token', undefined, { cause: error }), error);
      } else {
        this.scheduleReconnect();
      }
      return;
    }
    if (generation !== this.generation || !this.running) return;

    const protocols = this.options.protocols?.(token);
    const socket = protocols
      ? new this.WebSocketCtor(this.options.url(token), protocols)
      : new this.WebSocketCtor(this.options.url(token));
    this.socket = socket;
    socket.addEventListener('message', (event) => {
      if (this.socket === socket) this.handleData(event.data);
    });
    socket.addEventListener('close', (event) => {
      if (this.socket === socket) this.handleClose(event.code, event.reason);
    });
    // An error is always followed by a close, which does the work.
    socket.addEventListener('error', () => {});
  }

  private handleData(data: unknown): void {
    let message: ServerMessage;
    try {
      if (typeof data !== 'string') throw new ProtocolError('$', 'expected a text frame');
      message = parseServerMessage(data);
    } catch (error) {
      if (!(error instanceof ProtocolError)) throw error;
      (this.options.onProtocolError ?? logProtocolError)(error, data);
      return;
    }
    switch (message.type) {
      case 'hello': {
        this.attempt = 0;
        this.setState({ state: 'open', attempt: 0 });
        const waiters = this.helloWaiters;
        this.helloWaiters = [];
        for (const w of waiters) w.resolve(message);
        break;
      }
      case 'ok':
        this.settle(message.ref)?.resolve(message);
        break;
      case 'error':
        if (message.ref !== undefined) {
          this.settle(message.ref)?.reject(new WsRequestError(message.code, message.message));
        }
        break;
    }
    for (const handler of this.handlers.get(message.type) ?? []) handler(message);
  }

  private settle(ref: string): Pending | undefined {
    const pending = this.pending.get(ref);
    if (pending) {
      this.pending.delete(ref);
      this.timers.clearTimeout(pending.timer);
    }
    return pending;
  }

  private handleClose(code: number, reason: string): void {
    this.socket = null;
    this.rejectPending('disconnected', `connection closed (${code})`);
    if (!this.running) return;
    if (TERMINAL_CLOSE_CODES.has(code)) {
      const error = new WsClosedError(`server closed the session: ${code} ${reason}`.trim(), code);
      this.shutdown(error, error);
      return;
    }
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    const delay = backoffDelay(this.attempt, this.random, this.backoff);
    this.attempt += 1;
    this.setState({ state: 'reconnecting', attempt: this.attempt, retryInMs: delay });
    this.reconnectTimer = this.timers.setTimeout(() => {
      this.reconnectTimer = null;
      void this.open();
    }, delay);
  }

  /** Stops for good; `reported` is passed to state subscribers when the end was not asked for. */
  private shutdown(reason: WsClosedError, reported: unknown): void {
    const wasRunning = this.running;
    this.running = false;
    this.generation += 1;
    if (this.reconnectTimer !== null) {
      this.timers.clearTimeout(this.reconnectTimer);
      this.reconnectTimer = null;
    }
    const socket = this.socket;
    this.socket = null;
    socket?.close(1000, 'client closed');
    this.rejectPending('closed', reason.message);
    const waiters = this.helloWaiters;
    this.helloWaiters = [];
    for (const w of waiters) w.reject(reason);
    if (wasRunning) {
      this.setState(reported === undefined ? { state: 'closed', attempt: this.attempt } : { state: 'closed', attempt: this.attempt, error: reported });
    }
  }

  private rejectPending(code: RequestErrorCode, message: string): void {
    const pending = [...this.pending.values()];
    this.pending.clear();
    for (const p of pending) {
      this.timers.clearTimeout(p.timer);
      p.reject(new WsRequestError(code, message));
    }
  }

  private setState(change: StateChange): void {
    this.state = change.state;
    for (const handler of this.stateHandlers) handler(change);
  }
}

function isTerminal(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as { terminal?: unknown }).terminal === true;
}

function logProtocolError(error: ProtocolError, data: unknown): void {
  console.warn('hail: ignoring an off-contract frame', error.message, data);
}
