import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDispatchDetail, type TimelineEvent } from '../../lib/monitor-protocol.ts';
import { formatOffset, timelineLines, timelineText } from './timeline-format.ts';

const FIXTURE = join(
  dirname(fileURLToPath(import.meta.url)),
  '../../../../protocol/fixtures/http-monitor-dispatch-detail.json',
);
const detail = parseDispatchDetail((JSON.parse(readFileSync(FIXTURE, 'utf8')) as unknown[])[0]);

const AT = '2026-11-29T01:10:00Z';
const DRIVER = { driver_id: 'd1', driver_name: 'Dana Driver' };

describe('timelineLines', () => {
  it('reads the fixture timeline in order, with offsets from the request and the nodes', () => {
    const lines = timelineLines(detail.timeline);
    expect(lines.map((l) => l.text)).toEqual([
      'Requested',
      'Round 1: 3.0 km, 2 drivers found',
      'Offered to Dana Driver (412 m)',
      'Dana Driver accepted',
      'Accepted',
    ]);
    expect(lines.map((l) => l.offset)).toEqual(['+0 s', '+0.004 s', '+0.004 s', '+4.21 s', '+4.21 s']);
    expect(lines.map((l) => l.node)).toEqual(['node-b', 'node-b', undefined, undefined, 'node-a']);
    expect(lines.map((l) => l.tone)).toEqual(['neutral', 'neutral', 'neutral', 'good', 'good']);
    expect(lines[3]!.time).toMatch(/^\d{2}:\d{2}:04\.210$/);
    expect(new Set(lines.map((l) => l.key)).size).toBe(lines.length);
  });

  it('is empty for an empty timeline', () => {
    expect(timelineLines([])).toEqual([]);
  });
});

describe('timelineText', () => {
  it.each<[TimelineEvent, string]>([
    [{ kind: 'status', at: AT, from: 'requested', to: 'expired', node: 'n' }, 'Expired: no driver accepted'],
    [{ kind: 'status', at: AT, from: 'requested', to: 'cancelled', node: 'n' }, 'Cancelled'],
    [{ kind: 'status', at: AT, from: 'accepted', to: 'arrived', node: 'n' }, 'Driver arrived'],
    [{ kind: 'status', at: AT, from: 'arrived', to: 'in_progress', node: 'n' }, 'Trip started'],
    [{ kind: 'round', at: AT, round: 2, radius_m: 6000, found: 0, node: 'n' }, 'Round 2: 6.0 km, no driver found'],
    [{ kind: 'round', at: AT, round: 1, radius_m: 800, found: 1, node: 'n' }, 'Round 1: 800 m, 1 driver found'],
    [{ kind: 'offered', at: AT, ...DRIVER, round: 1, distance_m: 1234 }, 'Offered to Dana Driver (1.2 km)'],
    [{ kind: 'offer_ended', at: AT, ...DRIVER, outcome: 'declined' }, 'Dana Driver declined'],
    [{ kind: 'offer_ended', at: AT, ...DRIVER, outcome: 'lost' }, 'Dana Driver accepted too late (trip already taken)'],
    [{ kind: 'offer_ended', at: AT, ...DRIVER, outcome: 'expired' }, 'Offer to Dana Driver expired'],
    [{ kind: 'offer_ended', at: AT, ...DRIVER, outcome: 'withdrawn' }, 'Offer to Dana Driver withdrawn'],
    [{ kind: 'offer_ended', at: AT, ...DRIVER, outcome: 'vanished' }, 'Offer to Dana Driver ended: vanished'],
    [{ kind: 'unknown', at: AT, unknown_kind: 'surge' }, 'surge (an event this monitor does not know)'],
  ])('%o reads %j', (event, text) => {
    expect(timelineText(event)).toBe(text);
  });
});

describe('formatOffset', () => {
  it('writes short and long offsets', () => {
    expect([0, 4, 4210, 59_990, 65_000, -1500].map(formatOffset)).toEqual([
      '+0 s',
      '+0.004 s',
      '+4.21 s',
      '+59.99 s',
      '+1 min 5 s',
      '-1.5 s',
    ]);
  });
});
