// One logged-in page's live session: a `WsClient`, the trip state folded from
// its events, and the toasts those events deserve.
//
// The client connects with an access token from the `TokenManager` (refreshed
// before it expires) and reconnects by itself; every `hello` rebuilds the trip
// state (`hello.trip` is the active trip) and bumps `helloCount`, which the
// history list watches to re-fetch. Server errors are never dropped: an
// `error` frame without `ref` and a failed command both become alert toasts.

import { useCallback, useEffect, useRef, useState } from 'react';
import { env, wsProtocols, wsUrl } from '../config/env.ts';
import { ApiError, type Api } from './api.ts';
import type { ClientMessage, HelloMessage, OkMessage, Role } from './protocol.ts';
import { AuthError, type TokenManager } from './token-refresh.ts';
import { tripNotices, type Notice } from './trip-events.ts';
import { initialTripState, tripReducer, type TripEvent, type TripState } from './trip-state.ts';
import { WsClient, WsClosedError, WsRequestError, type StateChange, type WsClientOptions } from './ws-client.ts';

export type CommandResult = { ok: true; reply: OkMessage } | { ok: false; error: WsRequestError };

export interface LiveSessionOptions {
  tokens: TokenManager;
  api: Api;
  role: Role;
  onNotice: (notice: Notice) => void;
  /** After every `hello` (the first and each reconnect), e.g. to restore duty. */
  onHello?: (client: WsClient, hello: HelloMessage) => void;
  /** The session is over for good (user gone, refresh refused): log in again. */
  onSessionEnd: (message: string) => void;
  /** Tests pass a fake socket and timers. */
  clientOptions?: Partial<WsClientOptions>;
}

export interface LiveSession {
  client: WsClient | null;
  connection: StateChange;
  /** When `connection` last changed (local ms). */
  connectionChangedAt: number;
  state: TripState;
  /** Feeds a local event (a declined offer, "New trip") through the reducer. */
  dispatch: (event: TripEvent) => void;
  /** Bumped by every `hello`: the cue to re-fetch what may have changed while away. */
  helloCount: number;
  /** Sends a command; a failure is shown as an alert toast and returned. */
  command: (message: ClientMessage, failure: string) => Promise<CommandResult>;
}

/** How often the access token is checked (and refreshed when within a minute of `exp`). */
const TOKEN_CHECK_MS = 30_000;
/** After this many failed reconnects, ask `/api/me` whether the token is still good. */
const PROBE_AFTER_ATTEMPTS = 2;
const OFFER_TICK_MS = 500;

export function useLiveSession(options: LiveSessionOptions): LiveSession {
  const { tokens, api, role } = options;
  const optionsRef = useRef(options);
  optionsRef.current = options;

  const [client, setClient] = useState<WsClient | null>(null);
  const [connection, setConnection] = useState<StateChange>({ state: 'connecting', attempt: 0 });
  const [connectionChangedAt, setConnectionChangedAt] = useState(() => Date.now());
  const [state, setState] = useState<TripState>(initialTripState);
  const [helloCount, setHelloCount] = useState(0);
  const stateRef = useRef(state);

  const dispatch = useCallback(
    (event: TripEvent) => {
      const prev = stateRef.current;
      const next = tripReducer(prev, event);
      if (next === prev) return;
      stateRef.current = next;
      setState(next);
      for (const notice of tripNotices(prev, next, event, role)) optionsRef.current.onNotice(notice);
    },
    [role],
  );

  // The connection: one client per logged-in page (per token manager).
  useEffect(() => {
    const ws = new WsClient({
      url: () => wsUrl(env.apiBaseUrl, window.location.origin),
      protocols: wsProtocols,
      getToken: () => tokens.getToken(),
      ...optionsRef.current.clientOptions,
    });
    let lastProbe = 0;
    const offs = [
      ws.onStateChange((change) => {
        setConnection(change);
        setConnectionChangedAt(Date.now());
        if (change.state === 'closed' && change.error !== undefined) {
          optionsRef.current.onSessionEnd(sessionEndText(change.error));
        }
        // A socket refused before the upgrade (401) looks like any lost socket
        // to a browser; asking the API tells an expired session apart.
        if (
          change.state === 'reconnecting' &&
          change.attempt >= PROBE_AFTER_ATTEMPTS &&
          Date.now() - lastProbe > 10_000
        ) {
          lastProbe = Date.now();
          api.me().catch((e: unknown) => {
            if (e instanceof ApiError && e.sessionEnded) optionsRef.current.onSessionEnd(e.message);
          });
        }
      }),
      ws.on('hello', (hello) => {
        dispatch({ type: 'hello', hello, receivedAtMs: Date.now() });
        setHelloCount((n) => n + 1);
        optionsRef.current.onHello?.(ws, hello);
      }),
      ws.on('trip.updated', (m) => dispatch(m)),
      ws.on('driver.location', (m) => dispatch(m)),
      ws.on('trip.offer', (m) => dispatch(m)),
      ws.on('trip.offer_withdrawn', (m) => dispatch(m)),
      ws.on('error', (m) => {
        // Errors with a `ref` reject their command, which reports them.
        if (m.ref === undefined) optionsRef.current.onNotice({ kind: 'alert', text: `Server error: ${m.message}` });
      }),
    ];
    setClient(ws);
    // Failures arrive through onStateChange; the promise only says "first hello".
    ws.connect().catch(() => {});
    return () => {
      for (const off of offs) off();
      ws.close();
      setClient(null);
    };
  }, [tokens, api, dispatch]);

  // Keep the access token fresh while the page is open (the socket only
  // checks it at connect, but the next reconnect and every HTTP call need it).
  useEffect(() => {
    const timer = setInterval(() => {
      tokens.getToken().catch((e: unknown) => {
        if (e instanceof AuthError && e.terminal) optionsRef.current.onSessionEnd(sessionEndText(e));
      });
    }, TOKEN_CHECK_MS);
    return () => clearInterval(timer);
  }, [tokens]);

  // A trip that ended while we were disconnected: read how it ended.
  const syncTripId = state.syncTripId;
  useEffect(() => {
    if (syncTripId === null) return;
    let live = true;
    api.trip(syncTripId).then(
      (trip) => {
        if (live) dispatch({ type: 'trip.synced', trip });
      },
      (e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.code === 'not_found') dispatch({ type: 'trip.lost', tripId: syncTripId });
        else optionsRef.current.onNotice({ kind: 'alert', text: `Could not reload the trip: ${errorMessage(e)}` });
      },
    );
    return () => {
      live = false;
    };
  }, [api, dispatch, syncTripId]);

  // Offers run out on the clock too, in case the withdrawal is lost.
  const hasOffers = state.offers.length > 0;
  useEffect(() => {
    if (!hasOffers) return;
    const timer = setInterval(() => dispatch({ type: 'offers.expire', nowMs: Date.now() }), OFFER_TICK_MS);
    return () => clearInterval(timer);
  }, [dispatch, hasOffers]);

  const command = useCallback(
    async (message: ClientMessage, failure: string): Promise<CommandResult> => {
      if (client === null) {
        const error = new WsRequestError('not_connected', 'not connected');
        optionsRef.current.onNotice({ kind: 'alert', text: `${failure}: ${commandErrorText(error)}` });
        return { ok: false, error };
      }
      try {
        const reply = await client.request(message);
        if (reply.trip !== undefined) dispatch({ type: 'trip.updated', trip: reply.trip });
        return { ok: true, reply };
      } catch (e) {
        const error = e instanceof WsRequestError ? e : new WsRequestError('internal', errorMessage(e));
        optionsRef.current.onNotice({ kind: 'alert', text: `${failure}: ${commandErrorText(error)}` });
        return { ok: false, error };
      }
    },
    [client, dispatch],
  );

  return { client, connection, connectionChangedAt, state, dispatch, helloCount, command };
}

function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The server's message as it is; local failures in words. */
export function commandErrorText(error: WsRequestError): string {
  switch (error.code) {
    case 'not_connected':
      return 'not connected to the server, try again once it says Connected';
    case 'disconnected':
      return 'the connection dropped before the server answered';
    case 'timeout':
      return 'the server did not answer in time';
    case 'closed':
      return 'the session has ended';
    default:
      return error.message;
  }
}

function sessionEndText(error: unknown): string {
  if (error instanceof WsClosedError && error.closeCode === 1008) return 'Your account no longer exists. Log in again.';
  if (error instanceof WsClosedError && error.closeCode === 4003) return 'Your account was deleted or suspended. Log in again.';
  if (error instanceof WsClosedError && error.closeCode === 4009)
    return 'Hail was opened in another tab or device, so this one was disconnected. Reload to use it here.';
  if (error instanceof AuthError) return `Your session has ended (${error.message}). Log in again.`;
  return `The connection ended: ${errorMessage(error)}`;
}
