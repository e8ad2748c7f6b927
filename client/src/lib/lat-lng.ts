// Positions as people type and read them: `52.52, 13.405`.
//
// The rider types pickup and dropoff as text; the map and the status panels
// print positions back in the same shape. Parsing checks what the server would
// refuse (finite numbers, lat in [-90, 90], lng in [-180, 180]) so the rider
// learns of a typo before a request is sent.

import type { Place, Position } from './protocol.ts';

/** Where the map opens when nothing better is known (Berlin, Alexanderplatz). */
export const DEFAULT_CENTER: Position = { lat: 52.52, lng: 13.405 };

export type LatLngParse = { ok: true; position: Position } | { ok: false; error: string };

// A decimal number: optional sign, digits with an optional fraction (or a bare
// fraction), no exponent (nobody types one, and `1e5` is more likely a typo).
const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d*)?|\.\d+)`;
// Two numbers separated by a comma, a semicolon or whitespace.
const LAT_LNG = new RegExp(String.raw`^\s*\(?\s*(${NUMBER})\s*(?:[,;]\s*|\s+)(${NUMBER})\s*\)?\s*$`);

export const LAT_LNG_EXAMPLE = '52.52, 13.405';

/** Parses `lat, lng` text; the error says what to fix, for the person typing. */
export function parseLatLng(text: string): LatLngParse {
  if (text.trim() === '') return { ok: false, error: `Enter a position as lat, lng (e.g. ${LAT_LNG_EXAMPLE})` };
  const match = LAT_LNG.exec(text);
  if (match === null) {
    return { ok: false, error: `Not a position: use lat, lng in decimal degrees (e.g. ${LAT_LNG_EXAMPLE})` };
  }
  const lat = Number(match[1]);
  const lng = Number(match[2]);
  if (!Number.isFinite(lat) || !Number.isFinite(lng)) {
    return { ok: false, error: `Not a position: use lat, lng in decimal degrees (e.g. ${LAT_LNG_EXAMPLE})` };
  }
  if (lat < -90 || lat > 90) return { ok: false, error: 'Latitude must be between -90 and 90' };
  if (lng < -180 || lng > 180) return { ok: false, error: 'Longitude must be between -180 and 180' };
  return { ok: true, position: { lat, lng } };
}

/** `52.52000, 13.40500`: fixed decimals (5 is about a metre). */
export function formatLatLng(position: Position, decimals = 5): string {
  return `${position.lat.toFixed(decimals)}, ${position.lng.toFixed(decimals)}`;
}

/** Keeps a clicked map position inside the ranges the server accepts. */
export function normalizePosition(position: Position): Position {
  const lat = Math.max(-90, Math.min(90, position.lat));
  // Wrap longitude into [-180, 180]; a map scrolled past the date line gives e.g. 190.
  // In range it stays untouched (the modulo arithmetic would cost a few ulps).
  let lng = position.lng;
  if (lng < -180 || lng > 180) {
    lng = ((((lng + 180) % 360) + 360) % 360) - 180;
    if (lng === -180 && position.lng > 0) lng = 180;
  }
  return { lat, lng };
}

/** A place as text: its address when it has one, else its position. */
export function placeText(place: Place): string {
  return place.address !== undefined && place.address.trim() !== '' ? place.address : formatLatLng(place);
}
