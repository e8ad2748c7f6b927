// The map of either app: tiles from `env.mapTileUrl`, and on top of them the
// pickup (A) and dropoff (B), the route between them, the driver's car and
// its trail, and a past trip's track. Everything but the tiles is drawn by
// the app, so the map stays useful when no tile can load.

import { useMemo } from 'react';
import { MapContainer, Marker, Polyline, TileLayer } from 'react-leaflet';
import 'leaflet/dist/leaflet.css';
import { env } from '../../config/env.ts';
import type L from 'leaflet';
import { DEFAULT_CENTER, normalizePosition } from '../../lib/lat-lng.ts';
import type { Position } from '../../lib/protocol.ts';
import { FitBounds } from './fit-bounds.tsx';
import { MapClicks } from './map-clicks.tsx';
import { driverIcon, pinIcon } from './markers.ts';
import { useTileHealth } from './use-tile-health.ts';

export interface TripMapProps {
  pickup?: Position | null;
  dropoff?: Position | null;
  /** The driver's car: the rider sees its driver, the driver its own car. */
  driver?: (Position & { heading?: number }) | null;
  /** Where the driver has been on the trip shown, oldest first. */
  trail?: Position[];
  /** A past trip's recorded track. */
  track?: Position[] | null;
  onMapClick?: ((position: Position) => void) | undefined;
  /** The map refits to its points whenever this changes. */
  fitKey: string;
  /** When this changes the map refits only if a point is out of view (typed points, a moving car). */
  softKey?: string;
  /** A line under the map saying what a click does. */
  hint?: string | undefined;
  /** Makes the pickup and dropoff pins draggable; called where one is dropped. */
  onPinMove?: ((kind: 'pickup' | 'dropoff', position: Position) => void) | undefined;
}

const toLatLng = (p: Position): [number, number] => [p.lat, p.lng];

/** Pickup (A) or dropoff (B); draggable (mouse, touch, and arrow keys once focused) when `onMove` is given. */
function PlacePin({
  kind,
  position,
  onMove,
}: {
  kind: 'pickup' | 'dropoff';
  position: Position;
  onMove: ((kind: 'pickup' | 'dropoff', position: Position) => void) | undefined;
}) {
  const handlers = useMemo(
    () =>
      onMove === undefined
        ? {}
        : {
            dragend: (event: L.DragEndEvent | L.LeafletEvent) => {
              const { lat, lng } = (event.target as L.Marker).getLatLng();
              onMove(kind, normalizePosition({ lat, lng }));
            },
          },
    [kind, onMove],
  );
  const movable = onMove !== undefined;
  return (
    <Marker
      position={toLatLng(position)}
      icon={pinIcon(kind)}
      interactive={movable}
      keyboard={movable}
      draggable={movable}
      title={movable ? `${kind === 'pickup' ? 'Pickup' : 'Dropoff'} pin: drag to move` : undefined}
      eventHandlers={handlers}
    />
  );
}

export function TripMap({
  pickup,
  dropoff,
  driver,
  trail,
  track,
  onMapClick,
  fitKey,
  softKey,
  hint,
  onPinMove,
}: TripMapProps) {
  const tiles = useTileHealth();
  const fitPoints = [pickup, dropoff, driver, ...(track ?? [])].filter((p): p is Position => p != null);
  const start = driver ?? pickup ?? DEFAULT_CENTER;
  // A new icon rebuilds the marker's element: only when the car moved or turned.
  const lat = driver?.lat;
  const lng = driver?.lng;
  const heading = driver?.heading;
  const carIcon = useMemo(
    () => (lat === undefined || lng === undefined ? null : driverIcon({ lat, lng }, heading)),
    [lat, lng, heading],
  );

  return (
    <section className="map-panel" aria-label="Map">
      <MapContainer className="map" center={toLatLng(start)} zoom={13} scrollWheelZoom>
        {tiles.enabled && (
          <TileLayer
            url={env.mapTileUrl}
            attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
            eventHandlers={{ tileerror: tiles.onError, tileload: tiles.onLoad }}
          />
        )}
        {track && track.length > 1 && (
          <Polyline positions={track.map(toLatLng)} interactive={false} className="line line--track" />
        )}
        {track && track.length > 0 && (
          <>
            <Marker position={toLatLng(track[0]!)} icon={pinIcon('track-start')} interactive={false} keyboard={false} />
            <Marker
              position={toLatLng(track.at(-1)!)}
              icon={pinIcon('track-end')}
              interactive={false}
              keyboard={false}
            />
          </>
        )}
        {pickup && dropoff && (
          <Polyline
            positions={[toLatLng(pickup), toLatLng(dropoff)]}
            interactive={false}
            className="line line--route"
            dashArray="8 8"
          />
        )}
        {trail && trail.length > 1 && (
          <Polyline positions={trail.map(toLatLng)} interactive={false} className="line line--trail" />
        )}
        {pickup && <PlacePin kind="pickup" position={pickup} onMove={onPinMove} />}
        {dropoff && <PlacePin kind="dropoff" position={dropoff} onMove={onPinMove} />}
        {driver && carIcon && (
          <Marker position={toLatLng(driver)} icon={carIcon} interactive={false} keyboard={false} zIndexOffset={1000} />
        )}
        {onMapClick && <MapClicks onClick={onMapClick} />}
        <FitBounds points={fitPoints} fitKey={fitKey} softKey={softKey ?? ''} />
      </MapContainer>
      <p className="map__legend">
        <span className="legend legend--pickup">A</span> pickup <span className="legend legend--dropoff">B</span>{' '}
        dropoff <span className="legend legend--car" /> driver
        {hint && <span className="map__hint"> · {hint}</span>}
      </p>
      {tiles.failed && (
        <p className="map__note">
          Map tiles could not load; positions, routes and tracks are still drawn.{' '}
          {!tiles.enabled && (
            <button type="button" className="link" onClick={tiles.retry}>
              Retry map tiles
            </button>
          )}
        </p>
      )}
    </section>
  );
}
