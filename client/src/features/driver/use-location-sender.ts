// Sends the car's position to the server as `location` while it matters (on
// duty, or on a trip): each new position at most once a second, and the last
// one again every few seconds when the car stands still (a position older
// than 30 s makes the server drop the driver from dispatch).

import { useEffect, useRef } from 'react';
import type { Fix } from '../../lib/geolocation.ts';
import type { LocationMessage } from '../../lib/protocol.ts';
import type { WsClient } from '../../lib/ws-client.ts';

/** At most one `location` a second. */
export const MIN_SEND_INTERVAL_MS = 1_000;
/** A car standing still repeats its position this often. */
export const HEARTBEAT_MS = 3_000;

export function locationMessage(fix: Fix, at: Date): LocationMessage {
  const message: LocationMessage = { type: 'location', lat: fix.lat, lng: fix.lng, at: at.toISOString() };
  if (fix.heading !== undefined && Number.isFinite(fix.heading)) message.heading = fix.heading;
  if (fix.speed !== undefined && Number.isFinite(fix.speed) && fix.speed >= 0) message.speed = fix.speed;
  return message;
}

export function useLocationSender(client: WsClient | null, connected: boolean, position: Fix | null, active: boolean) {
  const lastSent = useRef(0);
  const positionRef = useRef(position);
  positionRef.current = position;

  useEffect(() => {
    if (client === null || !connected || !active || position === null) return;
    const send = () => {
      const fix = positionRef.current;
      if (fix === null) return;
      if (client.notify(locationMessage(fix, new Date()))) lastSent.current = Date.now();
    };
    // A new position goes out at once unless one went out less than a second ago.
    const first = setTimeout(send, Math.max(0, lastSent.current + MIN_SEND_INTERVAL_MS - Date.now()));
    const heartbeat = setInterval(send, HEARTBEAT_MS);
    return () => {
      clearTimeout(first);
      clearInterval(heartbeat);
    };
  }, [client, connected, active, position]);
}
