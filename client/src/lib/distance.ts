// Distances on the earth and how they read: `350 m away`, `1.2 km away`.

import type { Position } from './protocol.ts';

/** Earth radius in metres: Redis's value, which the server's haversine uses too. */
export const EARTH_RADIUS_M = 6_372_797.560856;

const toRad = (deg: number) => (deg * Math.PI) / 180;
const toDeg = (rad: number) => (rad * 180) / Math.PI;

/** Great-circle distance in metres (haversine). */
export function distanceMetres(a: Position, b: Position): number {
  const dLat = toRad(b.lat - a.lat);
  const dLng = toRad(b.lng - a.lng);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(toRad(a.lat)) * Math.cos(toRad(b.lat)) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_M * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Initial bearing from `a` to `b`, degrees clockwise from north in [0, 360). */
export function bearingDegrees(a: Position, b: Position): number {
  const phi1 = toRad(a.lat);
  const phi2 = toRad(b.lat);
  const dLng = toRad(b.lng - a.lng);
  const y = Math.sin(dLng) * Math.cos(phi2);
  const x = Math.cos(phi1) * Math.sin(phi2) - Math.sin(phi1) * Math.cos(phi2) * Math.cos(dLng);
  return (toDeg(Math.atan2(y, x)) + 360) % 360;
}

/**
 * `350 m`, `1.2 km`, `15 km`: whole metres below a kilometre, one decimal up
 * to 100 km, whole kilometres beyond. Rounds first, so 999.7 m reads `1.0 km`.
 */
export function formatDistance(metres: number): string {
  if (!Number.isFinite(metres) || metres < 0) return '? m';
  const m = Math.round(metres);
  if (m < 1000) return `${m} m`;
  const km = metres / 1000;
  if (Math.round(km * 10) / 10 < 100) return `${km.toFixed(1)} km`;
  return `${Math.round(km)} km`;
}
