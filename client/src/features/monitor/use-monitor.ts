// The logged-in monitor's live state: one `MonitorStream` (EventSource), the
// latest of each snapshot it brings, the throughput history, and the errors.
//
// Each `dispatches` event bumps `tick`, the cue for the HTTP reads that follow
// the stream (a filtered dispatch list, an open timeline); while the stream
// is down `tick` moves every few seconds on its own, so those reads still
// refresh. Errors are never dropped: the server's `error` events (and data
// off the contract) show per source until that source arrives well again;
// a stream refused for good shows why, and a session that is over logs out
// with the reason.

import { useEffect, useMemo, useRef, useState } from 'react';
import { env } from '../../config/env.ts';
import { ApiError, type Api } from '../../lib/api.ts';
import type { MonitorMap, Overview, TaskStats } from '../../lib/monitor-protocol.ts';
import { AuthError, needsRefresh, type TokenManager } from '../../lib/token-refresh.ts';
import type { StateChange } from '../../lib/ws-client.ts';
import type { Received } from './dispatch-filter.ts';
import { monitorApi, streamUrl, type MonitorApi } from './monitor-api.ts';
import { MonitorStream, type MonitorEvent } from './monitor-stream.ts';
import { HISTORY_CAPACITY, RingBuffer, addSample, sampleOf, type ThroughputSample } from './throughput-history.ts';

export interface StreamError {
  /** The event it was about (`overview`, `map`, ...) or `stream`. */
  source: string;
  message: string;
  /** Local ms. */
  at: number;
}

export interface Monitor {
  api: MonitorApi;
  connection: StateChange;
  connectionChangedAt: number;
  overview: Overview | null;
  tasks: TaskStats[] | null;
  dispatches: Received | null;
  map: MonitorMap | null;
  /** Oldest first, at most `HISTORY_CAPACITY`. */
  samples: ThroughputSample[];
  tick: number;
  errors: StreamError[];
  /** Why the stream stopped for good, if it did and the session goes on. */
  fatal: string | null;
  /** The server's clock minus ours, from the latest overview. */
  clockOffsetMs: number;
}

export interface MonitorOptions {
  tokens: TokenManager;
  api: Api;
  /** The session is over (refresh refused, token refused after a refresh): log in again. */
  onSessionEnd: (message: string) => void;
}

/** How often `tick` moves while the stream is down. */
const IDLE_TICK_MS = 5_000;
/** The stream counts as dead after this much silence, or two heartbeat windows (six heartbeats) if longer. */
const MIN_SILENCE_MS = 15_000;

/** Errors after which retrying cannot help. */
export function isFatal(error: unknown): boolean {
  if (error instanceof AuthError) return error.terminal;
  return error instanceof ApiError && (error.sessionEnded || error.status === 401 || error.status === 403);
}

function forbiddenText(error: ApiError): string {
  return `The server refused the monitor to this account (${error.message}). Log in with an admin account.`;
}

export function useMonitor({ tokens, api, onSessionEnd }: MonitorOptions): Monitor {
  const reads = useMemo(() => monitorApi(api), [api]);
  const onSessionEndRef = useRef(onSessionEnd);
  onSessionEndRef.current = onSessionEnd;

  const [connection, setConnection] = useState<StateChange>({ state: 'connecting', attempt: 0 });
  const [connectionChangedAt, setConnectionChangedAt] = useState(() => Date.now());
  const [overview, setOverview] = useState<Overview | null>(null);
  const [tasks, setTasks] = useState<TaskStats[] | null>(null);
  const [dispatches, setDispatches] = useState<Received | null>(null);
  const [map, setMap] = useState<MonitorMap | null>(null);
  const [samples, setSamples] = useState<ThroughputSample[]>([]);
  const [tick, setTick] = useState(0);
  const [errors, setErrors] = useState<StreamError[]>([]);
  const [fatal, setFatal] = useState<string | null>(null);
  const [clockOffsetMs, setClockOffsetMs] = useState(0);
  const history = useRef(new RingBuffer<ThroughputSample>(HISTORY_CAPACITY));

  useEffect(() => {
    const stream = new MonitorStream({
      url: (token) => streamUrl(env.apiBaseUrl, token, window.location.origin),
      getToken: () => tokens.getToken(),
      needsRefresh: (token) => needsRefresh(token, Date.now()),
      // An authenticated read tells a refused token (refreshed once) from a non-admin or a server that is down.
      check: async () => {
        await reads.overview();
      },
      isFatal,
      staleAfterMs: MIN_SILENCE_MS,
    });
    const clearError = (source: string) =>
      setErrors((list) => (list.some((e) => e.source === source) ? list.filter((e) => e.source !== source) : list));
    const onEvent = (event: MonitorEvent) => {
      switch (event.kind) {
        case 'overview':
          stream.expectEventsWithin(Math.max(MIN_SILENCE_MS, event.data.heartbeat_window_secs * 2_000));
          setOverview(event.data);
          setClockOffsetMs(Date.parse(event.data.at) - Date.now());
          if (addSample(history.current, sampleOf(event.data))) setSamples(history.current.toArray());
          break;
        case 'tasks':
          setTasks(event.data.tasks);
          break;
        case 'dispatches':
          setDispatches({ at: Date.now(), dispatches: event.data.dispatches });
          setTick((n) => n + 1);
          break;
        case 'map':
          setMap(event.data);
          break;
        case 'error':
          // The same error every heartbeat: keep when it was first seen.
          setErrors((list) => {
            const prev = list.find((e) => e.source === event.source);
            if (prev?.message === event.message) return list;
            const error = { source: event.source, message: event.message, at: Date.now() };
            return [...list.filter((e) => e.source !== event.source), error];
          });
          return;
      }
      clearError(event.kind);
      clearError('stream');
    };
    const offs = [
      stream.onEvent(onEvent),
      stream.onStateChange((change) => {
        setConnection(change);
        setConnectionChangedAt(Date.now());
        if (change.state !== 'closed' || change.error === undefined) return;
        const error = change.error;
        if (error instanceof ApiError && error.status === 403) setFatal(forbiddenText(error));
        else
          onSessionEndRef.current(
            `Your session has ended (${error instanceof Error ? error.message : String(error)}). Log in again.`,
          );
      }),
    ];
    stream.start();
    return () => {
      for (const off of offs) off();
      stream.close();
    };
  }, [tokens, reads]);

  // Keep follow-up reads going while the stream is down.
  const down = connection.state !== 'open';
  useEffect(() => {
    if (!down) return;
    const timer = setInterval(() => setTick((n) => n + 1), IDLE_TICK_MS);
    return () => clearInterval(timer);
  }, [down]);

  return {
    api: reads,
    connection,
    connectionChangedAt,
    overview,
    tasks,
    dispatches,
    map,
    samples,
    tick,
    errors,
    fatal,
    clockOffsetMs,
  };
}
