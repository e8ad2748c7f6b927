// The browser's geolocation as promises and small helpers; absent or refused
// geolocation is an ordinary answer here (the apps work without it).

import type { Position } from './protocol.ts';

export interface Fix extends Position {
  heading?: number;
  speed?: number;
}

export function hasGeolocation(): boolean {
  return typeof navigator !== 'undefined' && 'geolocation' in navigator && navigator.geolocation !== undefined;
}

export function fixFrom(position: GeolocationPosition): Fix {
  const { latitude, longitude, heading, speed } = position.coords;
  const fix: Fix = { lat: latitude, lng: longitude };
  if (heading !== null && Number.isFinite(heading)) fix.heading = heading;
  if (speed !== null && Number.isFinite(speed) && speed >= 0) fix.speed = speed;
  return fix;
}

/** One position, or `null` when there is none within `timeoutMs` (or no permission). */
export function currentPosition(timeoutMs: number): Promise<Fix | null> {
  if (!hasGeolocation()) return Promise.resolve(null);
  return new Promise((resolve) => {
    // The API's own timeout does not count the permission prompt: keep our own.
    const timer = setTimeout(() => resolve(null), timeoutMs);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        clearTimeout(timer);
        resolve(fixFrom(position));
      },
      () => {
        clearTimeout(timer);
        resolve(null);
      },
      { enableHighAccuracy: false, timeout: timeoutMs, maximumAge: 60_000 },
    );
  });
}

export function geolocationErrorText(error: GeolocationPositionError): string {
  switch (error.code) {
    case error.PERMISSION_DENIED:
      return 'Location access is not allowed';
    case error.POSITION_UNAVAILABLE:
      return 'Your position is not available';
    case error.TIMEOUT:
      return 'Finding your position took too long';
    default:
      return error.message || 'Geolocation failed';
  }
}
