// Map markers as `L.divIcon`s: plain HTML and CSS, so no marker images are
// needed and the markers draw even when no tile loads (no network).
//
// The driver marker's element carries `data-testid="driver-marker"` and its
// latest position at full precision in `data-lat` / `data-lng` (e2e contract).

import L from 'leaflet';
import type { Position } from '../../lib/protocol.ts';

export type PinKind = 'pickup' | 'dropoff' | 'track-start' | 'track-end';

const PIN_TEXT: Record<PinKind, string> = {
  pickup: 'A',
  dropoff: 'B',
  'track-start': '●',
  'track-end': '■',
};

function pin(kind: PinKind): L.DivIcon {
  return L.divIcon({
    className: 'hail-icon',
    html: `<div class="hail-pin hail-pin--${kind}" data-testid="${kind}-marker"><span>${PIN_TEXT[kind]}</span></div>`,
    iconSize: [28, 28],
    iconAnchor: [14, 28],
  });
}

/** One icon per kind, made on first use (they never change). */
const pins = new Map<PinKind, L.DivIcon>();

export function pinIcon(kind: PinKind): L.DivIcon {
  let icon = pins.get(kind);
  if (icon === undefined) {
    icon = pin(kind);
    pins.set(kind, icon);
  }
  return icon;
}

/**
 * The car's arrow in a 20x20 box centred on the car, pointing north before
 * rotation: a long tip and a notched tail, so it reads one way only. (The
 * old arrow was a near-equilateral triangle: turned 16-45 degrees, one of
 * its base corners pointed west and looked like the tip.)
 */
export const ARROW_POINTS: ReadonlyArray<readonly [number, number]> = [
  [0, -9],
  [5.5, 6],
  [0, 2.5],
  [-5.5, 6],
];

/**
 * The CSS rotation for a heading (degrees clockwise from north, the
 * `location` convention): the same clockwise angle, normalised to [0, 360)
 * and rounded to a tenth; `null` when there is no usable heading.
 */
export function headingRotation(heading: number | undefined): number | null {
  if (heading === undefined || !Number.isFinite(heading)) return null;
  const turned = Math.round((((heading % 360) + 360) % 360) * 10) / 10;
  return turned === 360 ? 0 : turned;
}

/** The HTML inside the driver's icon (exported for tests). */
export function driverMarkerHtml(position: Position, heading?: number): string {
  const rotation = headingRotation(heading);
  // Without a heading the car is a plain dot: an arrow would claim north.
  const arrow =
    rotation === null
      ? ''
      : `<svg class="hail-car__arrow" viewBox="-10 -10 20 20" aria-hidden="true" data-rotation="${rotation}" style="transform: rotate(${rotation}deg)">` +
        `<polygon points="${ARROW_POINTS.map(([x, y]) => `${x},${y}`).join(' ')}"/></svg>`;
  return (
    `<div class="hail-car" data-testid="driver-marker" data-lat="${String(position.lat)}" data-lng="${String(position.lng)}">` +
    `${arrow}</div>`
  );
}

export function driverIcon(position: Position, heading?: number): L.DivIcon {
  return L.divIcon({
    className: 'hail-icon',
    html: driverMarkerHtml(position, heading),
    iconSize: [26, 26],
    iconAnchor: [13, 13],
  });
}

/** A small dot for the monitor's fleet map: an available driver, or a trip's driver. */
export type FleetDotKind = 'monitor-driver' | 'monitor-trip-driver';

/** The HTML inside a fleet dot (exported for tests): its test id and position, like the car's. */
export function fleetDotHtml(kind: FleetDotKind, position: Position): string {
  return `<div class="hail-dot hail-dot--${kind}" data-testid="${kind}" data-lat="${String(position.lat)}" data-lng="${String(position.lng)}"></div>`;
}

export function fleetDotIcon(kind: FleetDotKind, position: Position): L.DivIcon {
  const size = kind === 'monitor-trip-driver' ? 18 : 14;
  return L.divIcon({
    className: 'hail-icon',
    html: fleetDotHtml(kind, position),
    iconSize: [size, size],
    iconAnchor: [size / 2, size / 2],
  });
}
