// Fits the map to the points that matter whenever `fitKey` changes (a new
// trip, a new status, another history track), and not on every position:
// a map that jumps under the user's hand each second is no use.

import { useEffect, useRef } from 'react';
import { useMap } from 'react-leaflet';
import L from 'leaflet';
import type { Position } from '../../lib/protocol.ts';

export interface FitBoundsProps {
  points: Position[];
  fitKey: string;
  /** A change of this refits only when some point is out of view. */
  softKey: string;
}

export function FitBounds({ points, fitKey, softKey }: FitBoundsProps) {
  const map = useMap();
  // Only `fitKey` decides when to refit; `points` are read as they are then.
  const latest = useRef(points);
  latest.current = points;
  const lastFitKey = useRef<string | null>(null);
  useEffect(() => {
    const points = latest.current;
    if (points.length === 0) return;
    const bounds = L.latLngBounds(points.map((p) => [p.lat, p.lng] as [number, number]));
    const hard = lastFitKey.current !== fitKey;
    lastFitKey.current = fitKey;
    if (!hard && map.getBounds().contains(bounds)) return;
    // No animation: an animated zoom still running when the map unmounts (log out
    // right after a fit) makes Leaflet throw from its next frame (`_leaflet_pos`).
    if (bounds.getNorthEast().equals(bounds.getSouthWest())) {
      map.setView(bounds.getCenter(), Math.max(map.getZoom(), 14), { animate: false });
    } else {
      map.fitBounds(bounds, { padding: [40, 40], maxZoom: 16, animate: false });
    }
  }, [map, fitKey, softKey]);
  return null;
}
