import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseOverview } from '../../lib/monitor-protocol.ts';
import {
  CLOCK_JUMP_MS,
  RingBuffer,
  addSample,
  sampleOf,
  seriesOf,
  type ThroughputSample,
} from './throughput-history.ts';

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../protocol/fixtures/http-monitor-overview.json',
);

const T0 = Date.parse('2026-11-29T01:30:00Z');

function sample(at: number, messagesIn = 1): ThroughputSample {
  return { at, messagesIn, messagesOut: 2, riders: 3, drivers: 4, admins: 1, tripsActive: 5 };
}

describe('RingBuffer', () => {
  it('keeps the newest `capacity` items, oldest first', () => {
    const ring = new RingBuffer<number>(3);
    expect(ring.toArray()).toEqual([]);
    expect(ring.last()).toBeUndefined();
    for (const n of [1, 2, 3, 4, 5]) ring.push(n);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.length).toBe(3);
    expect(ring.last()).toBe(5);
    ring.clear();
    expect(ring.toArray()).toEqual([]);
    ring.push(9);
    expect(ring.toArray()).toEqual([9]);
  });

  it('wraps many times over without losing order', () => {
    const ring = new RingBuffer<number>(4);
    for (let n = 0; n < 1_003; n += 1) ring.push(n);
    expect(ring.toArray()).toEqual([999, 1000, 1001, 1002]);
  });

  it('refuses a capacity that is not a positive integer', () => {
    expect(() => new RingBuffer(0)).toThrow(RangeError);
    expect(() => new RingBuffer(2.5)).toThrow(RangeError);
  });
});

describe('sampleOf', () => {
  it('takes the totals and counts the active trips', () => {
    const overview = parseOverview((JSON.parse(readFileSync(FIXTURE, 'utf8')) as unknown[])[0]);
    expect(sampleOf(overview)).toEqual({
      at: T0,
      messagesIn: 412.5,
      messagesOut: 390,
      riders: 120,
      drivers: 80,
      admins: 1,
      // requested 2 + accepted 5 + arrived 1 + in_progress 7
      tripsActive: 15,
    });
  });
});

describe('addSample', () => {
  it('adds samples in time order and drops repeats and small steps back', () => {
    const ring = new RingBuffer<ThroughputSample>(10);
    expect(addSample(ring, sample(T0))).toBe(true);
    expect(addSample(ring, sample(T0 + 1000))).toBe(true);
    expect(addSample(ring, sample(T0 + 1000))).toBe(false);
    expect(addSample(ring, sample(T0 + 500))).toBe(false);
    expect(addSample(ring, sample(Number.NaN))).toBe(false);
    expect(ring.toArray().map((s) => s.at)).toEqual([T0, T0 + 1000]);
  });

  it('starts over when the clock jumps back (another node answers)', () => {
    const ring = new RingBuffer<ThroughputSample>(10);
    addSample(ring, sample(T0));
    addSample(ring, sample(T0 + 1000));
    expect(addSample(ring, sample(T0 + 1000 - CLOCK_JUMP_MS - 1))).toBe(true);
    expect(ring.toArray().map((s) => s.at)).toEqual([T0 + 1000 - CLOCK_JUMP_MS - 1]);
  });
});

describe('seriesOf', () => {
  it('is empty with no samples', () => {
    expect(seriesOf([]).t).toEqual([]);
  });

  it('builds columns in seconds, oldest first', () => {
    const s = seriesOf([sample(T0, 1), sample(T0 + 1000, 2)]);
    expect(s.t).toEqual([T0 / 1000, T0 / 1000 + 1]);
    expect(s.messagesIn).toEqual([1, 2]);
    expect(s.tripsActive).toEqual([5, 5]);
  });

  it('keeps only the window before the newest sample', () => {
    const s = seriesOf([sample(T0 - 700_000), sample(T0 - 500_000), sample(T0)], 600_000, 1_000_000);
    expect(s.t).toEqual([(T0 - 500_000) / 1000, T0 / 1000]);
  });

  it('breaks the lines where the stream paused', () => {
    const s = seriesOf([sample(T0), sample(T0 + 1000), sample(T0 + 31_000)], 600_000, 10_000);
    expect(s.t).toEqual([T0 / 1000, T0 / 1000 + 1, T0 / 1000 + 16, T0 / 1000 + 31]);
    expect(s.messagesIn).toEqual([1, 1, null, 1]);
    expect(s.riders).toEqual([3, 3, null, 3]);
  });
});
