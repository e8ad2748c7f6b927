// "Simulate driving": the car moves on a straight line toward its target at a
// steady speed, one step per tick. Pure, so the tests drive it without a map,
// a clock or a browser.

import { bearingDegrees, distanceMetres } from '../../lib/distance.ts';
import type { Position, Trip } from '../../lib/protocol.ts';

/** About 72 km/h: brisk city driving, and a demo trip takes a minute, not ten. */
export const SIM_SPEED_MPS = 20;
/** One step (and one `location`) per second while moving. */
export const SIM_TICK_MS = 1_000;
/** Closer than this counts as there (GPS never lands exactly on a point either). */
export const ARRIVED_M = 1;

export interface DriveStep {
  position: Position;
  /** Degrees clockwise from north, toward the target; `undefined` if already there. */
  heading: number | undefined;
  /** Whether the car is at the target after this step. */
  arrived: boolean;
  /** Metres left to the target after this step. */
  remainingM: number;
}

/** Wraps a longitude difference into [-180, 180], so the car takes the short way round. */
function lngDelta(from: number, to: number): number {
  return ((((to - from + 180) % 360) + 360) % 360) - 180;
}

function wrapLng(lng: number): number {
  return lng > 180 ? lng - 360 : lng < -180 ? lng + 360 : lng;
}

/**
 * Moves `from` at most `maxMetres` toward `to`. Interpolates in lat/lng: for
 * steps of tens of metres that is the great circle to well under a
 * centimetre, and every step aims at the target afresh.
 */
export function stepToward(from: Position, to: Position, maxMetres: number): DriveStep {
  const distance = distanceMetres(from, to);
  if (distance <= ARRIVED_M || distance <= maxMetres) {
    return {
      position: { lat: to.lat, lng: to.lng },
      heading: distance > 0 ? bearingDegrees(from, to) : undefined,
      arrived: true,
      remainingM: 0,
    };
  }
  const fraction = Math.max(0, maxMetres) / distance;
  const position = {
    lat: from.lat + (to.lat - from.lat) * fraction,
    lng: wrapLng(from.lng + lngDelta(from.lng, to.lng) * fraction),
  };
  return {
    position,
    heading: bearingDegrees(from, to),
    arrived: false,
    remainingM: distanceMetres(position, to),
  };
}

/** Where the simulated car heads for a trip: the pickup once accepted, the dropoff once started. */
export function simTarget(trip: Trip | null): Position | null {
  if (trip === null) return null;
  switch (trip.status) {
    case 'accepted':
      return trip.pickup;
    case 'in_progress':
      return trip.dropoff;
    default:
      return null;
  }
}

/** Metres covered in `elapsedMs` at `speedMps`, for ticks that ran late. Capped at 5 ticks. */
export function stepMetres(elapsedMs: number, speedMps = SIM_SPEED_MPS): number {
  const ms = Math.min(Math.max(0, elapsedMs), 5 * SIM_TICK_MS);
  return (speedMps * ms) / 1000;
}
