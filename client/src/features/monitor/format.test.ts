import { describe, expect, it } from 'vitest';
import {
  clockTime,
  formatAge,
  formatMs,
  formatRadius,
  formatRate,
  formatUptime,
  msBetween,
  shortId,
} from './format.ts';

describe('monitor formatting', () => {
  it('shortens a UUIDv7 to its random tail', () => {
    expect(shortId('0193a4c2-7d2e-7f00-8a10-2b3c4d5e6f71')).toBe('4d5e6f71');
    expect(shortId('node-a')).toBe('node-a');
  });

  it('writes rates', () => {
    expect([0, 0.333, 3.5, 99.94, 412.5].map(formatRate)).toEqual(['0/s', '0.3/s', '3.5/s', '99.9/s', '413/s']);
  });

  it('writes uptimes', () => {
    expect([0, 45, 1799, 3720, 90_000].map(formatUptime)).toEqual(['0 s', '45 s', '29 m 59 s', '1 h 02 m', '1 d 1 h']);
  });

  it('writes ages, skew reading as now', () => {
    expect([-300, 500, 3_400, 300_000, 7_200_000, 200_000_000].map(formatAge)).toEqual([
      'now',
      'now',
      '3 s ago',
      '5 min ago',
      '2 h ago',
      '2 d ago',
    ]);
  });

  it('writes durations', () => {
    expect([null, 0.25, 1.25, 12.34, 412.3, 4210].map(formatMs)).toEqual([
      '–',
      '0.25 ms',
      '1.3 ms',
      '12.3 ms',
      '412 ms',
      '4.21 s',
    ]);
  });

  it('writes radii', () => {
    expect([null, 800, 3000, 12000].map(formatRadius)).toEqual(['–', '800 m', '3.0 km', '12.0 km']);
  });

  it('reads times', () => {
    expect(clockTime('2026-11-29T01:10:04.210Z', true)).toMatch(/^\d{2}:\d{2}:04\.210$/);
    expect(clockTime('not a time')).toBe('not a time');
    expect(msBetween('2026-11-29T01:10:00Z', '2026-11-29T01:10:04.210Z')).toBe(4210);
  });
});
