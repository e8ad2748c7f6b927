// Turns a click on the map into a position (wrapped into [-180, 180]).

import { useMapEvents } from 'react-leaflet';
import { normalizePosition } from '../../lib/lat-lng.ts';
import type { Position } from '../../lib/protocol.ts';

export function MapClicks({ onClick }: { onClick: (position: Position) => void }) {
  useMapEvents({
    click(event) {
      onClick(normalizePosition({ lat: event.latlng.lat, lng: event.latlng.lng }));
    },
  });
  return null;
}
