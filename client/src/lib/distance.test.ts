import { describe, expect, it } from 'vitest';
import { bearingDegrees, distanceMetres, formatDistance } from './distance.ts';

describe('formatDistance', () => {
  it.each([
    [0, '0 m'],
    [0.4, '0 m'],
    [12.5, '13 m'],
    [350, '350 m'],
    [812.4, '812 m'],
    [999.4, '999 m'],
    [999.6, '1.0 km'],
    [1000, '1.0 km'],
    [1234, '1.2 km'],
    [1250, '1.3 km'],
    [9_949, '9.9 km'],
    [12_000, '12.0 km'],
    [99_940, '99.9 km'],
    [99_960, '100 km'],
    [123_456, '123 km'],
  ])('%d m reads %j', (metres, text) => {
    expect(formatDistance(metres)).toBe(text);
  });

  it('does not pretend to know a bad distance', () => {
    expect(formatDistance(Number.NaN)).toBe('? m');
    expect(formatDistance(-5)).toBe('? m');
  });
});

describe('distanceMetres', () => {
  it('is zero for one point and symmetric', () => {
    const a = { lat: 52.52, lng: 13.405 };
    const b = { lat: 52.5, lng: 13.37 };
    expect(distanceMetres(a, a)).toBe(0);
    expect(distanceMetres(a, b)).toBeCloseTo(distanceMetres(b, a), 6);
  });

  it('matches known distances (the server uses the same radius)', () => {
    // One degree of latitude is about 111.2 km on this sphere.
    expect(distanceMetres({ lat: 0, lng: 0 }, { lat: 1, lng: 0 })).toBeCloseTo(111_226.3, 0);
    // Berlin to Paris, about 878 km.
    const d = distanceMetres({ lat: 52.52, lng: 13.405 }, { lat: 48.8566, lng: 2.3522 });
    expect(d / 1000).toBeGreaterThan(875);
    expect(d / 1000).toBeLessThan(881);
  });
});

describe('bearingDegrees', () => {
  it('points along the compass', () => {
    const o = { lat: 0, lng: 0 };
    expect(bearingDegrees(o, { lat: 1, lng: 0 })).toBeCloseTo(0, 6);
    expect(bearingDegrees(o, { lat: 0, lng: 1 })).toBeCloseTo(90, 6);
    expect(bearingDegrees(o, { lat: -1, lng: 0 })).toBeCloseTo(180, 6);
    expect(bearingDegrees(o, { lat: 0, lng: -1 })).toBeCloseTo(270, 6);
  });
});
