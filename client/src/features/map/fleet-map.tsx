// The monitor's live map: every available driver as a dot, every trip not
// yet over as its pickup (A), dropoff (B) and the line between, and the
// trip's driver where its latest stored GPS point puts it. Like the apps'
// map, everything is drawn by the app, so it stays usable without tiles.
//
// The map fits everything once, when the first points arrive, and again on
// "Show all"; it does not jump on every heartbeat under the user's hand.

import { memo, useMemo, useState } from 'react';
import { MapContainer, Marker, Polyline, TileLayer } from 'react-leaflet';
import 'leaflet/dist/leaflet.css';
import { env } from '../../config/env.ts';
import { DEFAULT_CENTER } from '../../lib/lat-lng.ts';
import type { MapTrip, MonitorMap } from '../../lib/monitor-protocol.ts';
import type { Position } from '../../lib/protocol.ts';
import { FitBounds } from './fit-bounds.tsx';
import { fleetDotIcon, pinIcon, type FleetDotKind } from './markers.ts';
import { useTileHealth } from './use-tile-health.ts';

export interface FleetMapProps {
  map: MonitorMap | null;
  /** The trip whose timeline is open: its line is drawn bolder. */
  selectedTripId?: string | null;
  /** A click on a trip's pins or driver. */
  onSelectTrip?: (tripId: string) => void;
}

const toLatLng = (p: Position): [number, number] => [p.lat, p.lng];

/** One dot; its icon is rebuilt only when it moves. */
const Dot = memo(function Dot({
  kind,
  lat,
  lng,
  title,
  onClick,
}: {
  kind: FleetDotKind;
  lat: number;
  lng: number;
  title: string;
  onClick?: (() => void) | undefined;
}) {
  const icon = useMemo(() => fleetDotIcon(kind, { lat, lng }), [kind, lat, lng]);
  return (
    <Marker
      position={[lat, lng]}
      icon={icon}
      title={title}
      interactive={onClick !== undefined}
      keyboard={false}
      zIndexOffset={kind === 'monitor-trip-driver' ? 1000 : 0}
      {...(onClick === undefined ? {} : { eventHandlers: { click: onClick } })}
    />
  );
});

interface TripShapesProps {
  trip: MapTrip;
  selected: boolean;
  onSelectTrip?: ((tripId: string) => void) | undefined;
}

/** Same drawing: every heartbeat brings new objects for the same trips. */
function sameShapes(a: TripShapesProps, b: TripShapesProps): boolean {
  const same = (p: Position | null, q: Position | null) =>
    p === q || (p !== null && q !== null && p.lat === q.lat && p.lng === q.lng);
  return (
    a.selected === b.selected &&
    a.onSelectTrip === b.onSelectTrip &&
    a.trip.trip_id === b.trip.trip_id &&
    a.trip.status === b.trip.status &&
    same(a.trip.pickup, b.trip.pickup) &&
    same(a.trip.dropoff, b.trip.dropoff) &&
    same(a.trip.driver, b.trip.driver)
  );
}

const TripShapes = memo(function TripShapes({ trip, selected, onSelectTrip }: TripShapesProps) {
  const title = `Trip ${trip.trip_id} (${trip.status.replace('_', ' ')})`;
  const tripId = trip.trip_id;
  const onSelect = useMemo(
    () => (onSelectTrip === undefined ? undefined : () => onSelectTrip(tripId)),
    [onSelectTrip, tripId],
  );
  const clicks = useMemo(() => (onSelect === undefined ? {} : { eventHandlers: { click: onSelect } }), [onSelect]);
  const searching = trip.status === 'requested';
  return (
    <>
      {/* Leaflet sets a path's class once: a new key redraws it when the look changes. */}
      <Polyline
        key={`${searching}:${selected}`}
        positions={[toLatLng(trip.pickup), toLatLng(trip.dropoff)]}
        interactive={false}
        className={`line ${searching ? 'line--route' : 'line--active'}${selected ? ' line--selected' : ''}`}
        {...(searching ? { dashArray: '8 8' } : {})}
      />
      <Marker
        position={toLatLng(trip.pickup)}
        icon={pinIcon('pickup')}
        title={title}
        interactive={onSelect !== undefined}
        keyboard={false}
        {...clicks}
      />
      <Marker
        position={toLatLng(trip.dropoff)}
        icon={pinIcon('dropoff')}
        title={title}
        interactive={onSelect !== undefined}
        keyboard={false}
        {...clicks}
      />
      {trip.driver !== null && (
        <Dot
          kind="monitor-trip-driver"
          lat={trip.driver.lat}
          lng={trip.driver.lng}
          title={`${title}: its driver`}
          onClick={onSelect}
        />
      )}
    </>
  );
}, sameShapes);

export function FleetMap({ map, selectedTripId = null, onSelectTrip }: FleetMapProps) {
  const tiles = useTileHealth();
  const [fits, setFits] = useState(0);
  const drivers = map?.drivers ?? [];
  const trips = map?.trips ?? [];
  const points = useMemo(
    () => [...drivers, ...trips.flatMap((t) => [t.pickup, t.dropoff, ...(t.driver === null ? [] : [t.driver])])],
    [drivers, trips],
  );
  const start = points[0] ?? DEFAULT_CENTER;

  return (
    <section className="map-panel panel monitor__panel" aria-label="Live map">
      <div className="panel__head">
        <h2>Live map</h2>
        <button type="button" className="small" onClick={() => setFits((n) => n + 1)} disabled={points.length === 0}>
          Show all
        </button>
      </div>
      <MapContainer className="map map--fleet" center={toLatLng(start)} zoom={12} scrollWheelZoom>
        {tiles.enabled && (
          <TileLayer
            url={env.mapTileUrl}
            attribution='&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a> contributors'
            eventHandlers={{ tileerror: tiles.onError, tileload: tiles.onLoad }}
          />
        )}
        {trips.map((trip) => (
          <TripShapes
            key={trip.trip_id}
            trip={trip}
            selected={trip.trip_id === selectedTripId}
            onSelectTrip={onSelectTrip}
          />
        ))}
        {drivers.map((d) => (
          <Dot
            key={d.driver_id}
            kind="monitor-driver"
            lat={d.lat}
            lng={d.lng}
            title={`Available driver ${d.driver_id}`}
          />
        ))}
        <FitBounds points={points} fitKey={`${fits}:${points.length > 0}`} softKey="" />
      </MapContainer>
      <p className="map__legend">
        <span className="legend legend--available" /> {drivers.length} available{' '}
        {drivers.length === 1 ? 'driver' : 'drivers'} · {trips.length} active {trips.length === 1 ? 'trip' : 'trips'}:{' '}
        <span className="legend legend--pickup">A</span> pickup <span className="legend legend--dropoff">B</span>{' '}
        dropoff <span className="legend legend--car" /> its driver
      </p>
      {tiles.failed && (
        <p className="map__note">
          Map tiles could not load; drivers and trips are still drawn.{' '}
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
