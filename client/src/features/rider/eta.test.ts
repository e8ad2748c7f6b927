import { describe, expect, it } from 'vitest';
import { etaSecondsLeft, etaText, formatEta } from './eta.ts';

const AT = '2026-11-22T10:00:00.000Z';
const atMs = Date.parse(AT);

describe('etaSecondsLeft', () => {
  it('is null without a fix or without eta_s', () => {
    expect(etaSecondsLeft(null, atMs, 0)).toBeNull();
    expect(etaSecondsLeft({ at: AT }, atMs, 0)).toBeNull();
  });

  it('counts down from the fix on the server clock', () => {
    const fix = { eta_s: 120, eta_to: 'pickup' as const, at: AT };
    expect(etaSecondsLeft(fix, atMs, 0)).toBe(120);
    expect(etaSecondsLeft(fix, atMs + 1_000, 0)).toBe(119);
    expect(etaSecondsLeft(fix, atMs + 30_500, 0)).toBe(90);
    // Our clock runs 5 s behind the server's: 5 s more have passed.
    expect(etaSecondsLeft(fix, atMs, 5_000)).toBe(115);
  });

  it('never goes below zero, nor above the fix when the fix is ahead of our clock', () => {
    const fix = { eta_s: 10, at: AT };
    expect(etaSecondsLeft(fix, atMs + 60_000, 0)).toBe(0);
    expect(etaSecondsLeft(fix, atMs - 3_000, 0)).toBe(10);
  });

  it('a new fix replaces the count', () => {
    const first = { eta_s: 100, at: AT };
    const next = { eta_s: 80, at: '2026-11-22T10:00:10.000Z' };
    expect(etaSecondsLeft(first, atMs + 10_000, 0)).toBe(90);
    expect(etaSecondsLeft(next, atMs + 10_000, 0)).toBe(80);
  });
});

describe('formatEta', () => {
  it.each([
    [0, '0 s'],
    [45, '45 s'],
    [59.6, '1 min 00 s'],
    [60, '1 min 00 s'],
    [185, '3 min 05 s'],
    [3599, '59 min 59 s'],
    [3720, '1 h 02 min'],
    [-4, '0 s'],
  ])('%d s is %j', (s, text) => expect(formatEta(s)).toBe(text));
});

describe('etaText', () => {
  it('names the target', () => {
    expect(etaText(185, 'pickup')).toBe('At the pickup in 3 min 05 s');
    expect(etaText(45, 'dropoff')).toBe('At the dropoff in 45 s');
    expect(etaText(0, 'pickup')).toBe('Arriving at the pickup now');
    expect(etaText(0, 'dropoff')).toBe('Arriving at the dropoff now');
  });
});
