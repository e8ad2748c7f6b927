import { describe, expect, it } from 'vitest';
import { formatLatLng, normalizePosition, parseLatLng, placeText } from './lat-lng.ts';

describe('parseLatLng', () => {
  it.each([
    ['52.52, 13.405', 52.52, 13.405],
    ['52.52,13.405', 52.52, 13.405],
    ['  52.52 ,   13.405  ', 52.52, 13.405],
    ['52.52 13.405', 52.52, 13.405],
    ['52.52; 13.405', 52.52, 13.405],
    ['(52.52, 13.405)', 52.52, 13.405],
    ['-33.8688, 151.2093', -33.8688, 151.2093],
    ['+40.7, -74', 40.7, -74],
    ['.5, -.25', 0.5, -0.25],
    ['90, 180', 90, 180],
    ['-90, -180', -90, -180],
    ['0, 0', 0, 0],
    ['52., 13.', 52, 13],
  ])('reads %j', (text, lat, lng) => {
    expect(parseLatLng(text)).toEqual({ ok: true, position: { lat, lng } });
  });

  it('asks for a position when empty', () => {
    const result = parseLatLng('   ');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/Enter a position as lat, lng/);
  });

  it.each([
    '52.52',
    'Berlin',
    '52.52, 13.405, 7',
    '52,52 13,405x',
    '1e2, 3',
    'NaN, 1',
    'Infinity, 0',
    '52.52,',
    ', 13.4',
    '5-2, 1',
  ])('refuses %j as not a position', (text) => {
    const result = parseLatLng(text);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/lat, lng/);
  });

  it('names the coordinate out of range', () => {
    expect(parseLatLng('90.0001, 0')).toEqual({ ok: false, error: 'Latitude must be between -90 and 90' });
    expect(parseLatLng('-91, 0')).toEqual({ ok: false, error: 'Latitude must be between -90 and 90' });
    expect(parseLatLng('0, 180.5')).toEqual({ ok: false, error: 'Longitude must be between -180 and 180' });
    expect(parseLatLng('13.405, 252.52')).toEqual({ ok: false, error: 'Longitude must be between -180 and 180' });
  });
});

describe('formatLatLng', () => {
  it('prints 5 decimals by default', () => {
    expect(formatLatLng({ lat: 52.52, lng: 13.405 })).toBe('52.52000, 13.40500');
    expect(formatLatLng({ lat: -33.868819, lng: 151.209296 })).toBe('-33.86882, 151.20930');
  });

  it('takes other precisions', () => {
    expect(formatLatLng({ lat: 52.5200066, lng: 13.404954 }, 6)).toBe('52.520007, 13.404954');
  });

  it('round-trips through parseLatLng', () => {
    const text = formatLatLng({ lat: 48.8566, lng: 2.3522 }, 6);
    expect(parseLatLng(text)).toEqual({ ok: true, position: { lat: 48.8566, lng: 2.3522 } });
  });
});

describe('normalizePosition', () => {
  it('wraps longitudes past the date line and clamps latitude', () => {
    expect(normalizePosition({ lat: 10, lng: 190 })).toEqual({ lat: 10, lng: -170 });
    expect(normalizePosition({ lat: 10, lng: -190 })).toEqual({ lat: 10, lng: 170 });
    expect(normalizePosition({ lat: 95, lng: 540 })).toEqual({ lat: 90, lng: 180 });
    expect(normalizePosition({ lat: 52.52, lng: 13.405 })).toEqual({ lat: 52.52, lng: 13.405 });
  });
});

describe('placeText', () => {
  it('prefers the address, else the position', () => {
    expect(placeText({ lat: 52.52, lng: 13.405, address: 'Alexanderplatz' })).toBe('Alexanderplatz');
    expect(placeText({ lat: 52.52, lng: 13.405, address: '  ' })).toBe('52.52000, 13.40500');
    expect(placeText({ lat: 52.52, lng: 13.405 })).toBe('52.52000, 13.40500');
  });
});
