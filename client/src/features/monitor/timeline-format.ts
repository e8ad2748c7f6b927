// A dispatch's timeline in words: "Requested", "Round 1: 3.0 km, 2 drivers
// found", "Offered to Dana Driver (412 m)", "Dana Driver declined",
// "Accepted". Pure; the panel renders the lines this builds.

import { formatDistance } from '../../lib/distance.ts';
import type { TimelineEvent } from '../../lib/monitor-protocol.ts';
import type { TripStatus } from '../../lib/protocol.ts';
import { clockTime, formatRadius, msBetween } from './format.ts';

/** How a line reads at a glance: a good end, a bad one, or neither. */
export type Tone = 'good' | 'bad' | 'neutral';

export interface TimelineLine {
  /** Stable within one timeline (React key). */
  key: string;
  at: string;
  /** Wall clock with milliseconds, `09:30:04.210`. */
  time: string;
  /** Since the first event: `+0 s`, `+4.21 s`, `+1 min 5 s`. */
  offset: string;
  text: string;
  /** The node that did it, where the event says. */
  node?: string;
  tone: Tone;
}

const STATUS_TEXT: Record<TripStatus, string> = {
  requested: 'Requested',
  accepted: 'Accepted',
  arrived: 'Driver arrived',
  in_progress: 'Trip started',
  completed: 'Trip completed',
  cancelled: 'Cancelled',
  expired: 'Expired: no driver accepted',
};

const STATUS_TONE: Partial<Record<TripStatus, Tone>> = {
  accepted: 'good',
  completed: 'good',
  cancelled: 'bad',
  expired: 'bad',
};

function drivers(n: number): string {
  if (n === 0) return 'no driver found';
  return n === 1 ? '1 driver found' : `${n} drivers found`;
}

/** The words for one event. */
export function timelineText(event: TimelineEvent): string {
  switch (event.kind) {
    case 'status':
      return STATUS_TEXT[event.to];
    case 'round':
      return `Round ${event.round}: ${formatRadius(event.radius_m)}, ${drivers(event.found)}`;
    case 'offered':
      return `Offered to ${event.driver_name} (${formatDistance(event.distance_m)})`;
    case 'offer_ended':
      switch (event.outcome) {
        case 'accepted':
          return `${event.driver_name} accepted`;
        case 'declined':
          return `${event.driver_name} declined`;
        case 'lost':
          return `${event.driver_name} accepted too late (trip already taken)`;
        case 'expired':
          return `Offer to ${event.driver_name} expired`;
        case 'withdrawn':
          return `Offer to ${event.driver_name} withdrawn`;
        default:
          return `Offer to ${event.driver_name} ended: ${event.outcome}`;
      }
    case 'unknown':
      return `${event.unknown_kind} (an event this monitor does not know)`;
  }
}

function tone(event: TimelineEvent): Tone {
  switch (event.kind) {
    case 'status':
      return STATUS_TONE[event.to] ?? 'neutral';
    case 'round':
      return event.found === 0 ? 'bad' : 'neutral';
    case 'offer_ended':
      return event.outcome === 'accepted' ? 'good' : event.outcome === 'declined' ? 'bad' : 'neutral';
    default:
      return 'neutral';
  }
}

/** `+0 s`, `+0.004 s`, `+4.21 s`, `+1 min 5 s`. */
export function formatOffset(ms: number): string {
  if (!Number.isFinite(ms)) return '';
  const sign = ms < 0 ? '-' : '+';
  const abs = Math.abs(ms);
  if (abs < 60_000) return `${sign}${Number((abs / 1000).toFixed(abs < 1000 ? 3 : 2))} s`;
  const s = Math.round(abs / 1000);
  return `${sign}${Math.floor(s / 60)} min ${s % 60} s`;
}

/** The lines of a timeline, in the server's order (oldest first). */
export function timelineLines(events: readonly TimelineEvent[]): TimelineLine[] {
  const first = events[0]?.at;
  return events.map((event, i) => {
    const line: TimelineLine = {
      key: `${i}:${event.kind}:${event.at}`,
      at: event.at,
      time: clockTime(event.at, true),
      offset: first === undefined ? '' : formatOffset(msBetween(first, event.at)),
      text: timelineText(event),
      tone: tone(event),
    };
    if ((event.kind === 'status' || event.kind === 'round') && event.node !== '') line.node = event.node;
    return line;
  });
}
