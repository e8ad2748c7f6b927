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

/** The HTML inside the driver's icon (exported for tests). */
export function driverMarkerHtml(position: Position, heading?: number): string {
  const rotate = heading === undefined || !Number.isFinite(heading) ? '' : ` style="transform: rotate(${heading}deg)"`;
  return (
    `<div class="hail-car" data-testid="driver-marker" data-lat="${String(position.lat)}" data-lng="${String(position.lng)}">` +
    `<span class="hail-car__arrow"${rotate}></span></div>`
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
