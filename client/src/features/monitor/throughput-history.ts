// The last ten minutes of the stream's overviews, kept client-side for the
// throughput charts: a fixed-size ring buffer of samples (one per heartbeat)
// and the chart series built from it. Pure: no React, no uPlot.
//
// The server sends no history, so the charts start empty on page load and
// show a gap (nulls) where the stream was down.

import type { Overview } from '../../lib/monitor-protocol.ts';

/** What the charts draw of one overview. */
export interface ThroughputSample {
  /** The answering node's clock (`overview.at`), ms since the epoch. */
  at: number;
  messagesIn: number;
  messagesOut: number;
  riders: number;
  drivers: number;
  admins: number;
  /** Trips requested, accepted, arrived or in progress. */
  tripsActive: number;
}

/** How far back the charts look. */
export const HISTORY_WINDOW_MS = 10 * 60_000;
/** Ten minutes at a 250 ms heartbeat; at the default 1 s it holds 40 minutes. */
export const HISTORY_CAPACITY = 2_400;
/** A pause longer than this between samples is drawn as a gap. */
export const GAP_MS = 10_000;
/** A sample this far before the newest means another node's clock: start over. */
export const CLOCK_JUMP_MS = 5_000;

export function sampleOf(overview: Overview): ThroughputSample {
  const { totals, trips } = overview;
  return {
    at: Date.parse(overview.at),
    messagesIn: totals.messages_in_per_sec,
    messagesOut: totals.messages_out_per_sec,
    riders: totals.connections.rider,
    drivers: totals.connections.driver,
    admins: totals.connections.admin,
    tripsActive: trips.requested + trips.accepted + trips.arrived + trips.in_progress,
  };
}

/** A fixed-capacity FIFO: pushing onto a full buffer drops the oldest item. */
export class RingBuffer<T> {
  private readonly items: (T | undefined)[];
  /** Index of the oldest item. */
  private head = 0;
  private size = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('capacity must be a positive integer');
    this.items = new Array<T | undefined>(capacity);
  }

  get length(): number {
    return this.size;
  }

  push(item: T): void {
    this.items[(this.head + this.size) % this.capacity] = item;
    if (this.size < this.capacity) this.size += 1;
    else this.head = (this.head + 1) % this.capacity;
  }

  /** The newest item. */
  last(): T | undefined {
    return this.size === 0 ? undefined : this.items[(this.head + this.size - 1) % this.capacity];
  }

  /** Oldest first. */
  toArray(): T[] {
    const out: T[] = [];
    for (let i = 0; i < this.size; i += 1) out.push(this.items[(this.head + i) % this.capacity] as T);
    return out;
  }

  clear(): void {
    this.items.fill(undefined);
    this.head = 0;
    this.size = 0;
  }
}

/**
 * Adds a sample in time order. A repeat or a slightly older one (two nodes'
 * clocks, a reconnect) is dropped; one far older means the stream now comes
 * from a node whose clock differs, and the history starts over rather than
 * freezing until that clock catches up. Returns whether the buffer changed.
 */
export function addSample(buffer: RingBuffer<ThroughputSample>, sample: ThroughputSample): boolean {
  if (!Number.isFinite(sample.at)) return false;
  const last = buffer.last();
  if (last !== undefined && sample.at <= last.at) {
    if (last.at - sample.at <= CLOCK_JUMP_MS) return false;
    buffer.clear();
  }
  buffer.push(sample);
  return true;
}

/** Column-wise series for a chart (uPlot's `AlignedData`): x in seconds, `null` for a gap. */
export interface ThroughputSeries {
  t: number[];
  messagesIn: (number | null)[];
  messagesOut: (number | null)[];
  riders: (number | null)[];
  drivers: (number | null)[];
  admins: (number | null)[];
  tripsActive: (number | null)[];
}

type Measure = Exclude<keyof ThroughputSample, 'at'>;
const MEASURES: Measure[] = ['messagesIn', 'messagesOut', 'riders', 'drivers', 'admins', 'tripsActive'];

/**
 * The samples of the last `windowMs` before the newest, oldest first, with a
 * `null` point in the middle of every pause longer than `gapMs` so the lines
 * break there instead of joining across an outage.
 */
export function seriesOf(
  samples: readonly ThroughputSample[],
  windowMs = HISTORY_WINDOW_MS,
  gapMs = GAP_MS,
): ThroughputSeries {
  const series: ThroughputSeries = {
    t: [],
    messagesIn: [],
    messagesOut: [],
    riders: [],
    drivers: [],
    admins: [],
    tripsActive: [],
  };
  const newest = samples.at(-1);
  if (newest === undefined) return series;
  const from = newest.at - windowMs;
  let previous: ThroughputSample | undefined;
  for (const sample of samples) {
    if (sample.at < from) continue;
    if (previous !== undefined && sample.at - previous.at > gapMs) {
      series.t.push((previous.at + sample.at) / 2 / 1000);
      for (const m of MEASURES) series[m].push(null);
    }
    series.t.push(sample.at / 1000);
    for (const m of MEASURES) series[m].push(sample[m]);
    previous = sample;
  }
  return series;
}
