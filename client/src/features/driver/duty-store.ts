// What the driver app remembers across a reload, per driver:
//
// - duty ("Go online") in localStorage, `hail.driver.duty.<user id>`: every
//   tab of the driver shares it, and a `storage` event tells the other tabs
//   when one changes it, so all of them show (and tell the server, which
//   keeps duty per connection) the same thing;
// - "Simulate driving" and the car's last position in sessionStorage,
//   `hail.driver.car.<user id>`: per tab (two tabs simulating one car would
//   fight over its position), kept over a reload so the car goes on from
//   where it was instead of freezing on the rider's map.
//
// Pure functions over a `Storage`-like object; values that do not parse
// read as the defaults.

import type { Fix } from '../../lib/geolocation.ts';

export type KeyValueStore = Pick<Storage, 'getItem' | 'setItem' | 'removeItem'>;

export function dutyKey(userId: string): string {
  return `hail.driver.duty.${userId}`;
}

export function carKey(userId: string): string {
  return `hail.driver.car.${userId}`;
}

function read(store: KeyValueStore | null, key: string): unknown {
  try {
    const text = store?.getItem(key);
    return text === null || text === undefined ? null : (JSON.parse(text) as unknown);
  } catch {
    return null;
  }
}

function write(store: KeyValueStore | null, key: string, value: unknown): void {
  try {
    store?.setItem(key, JSON.stringify(value));
  } catch {
    // Private mode or a full quota: the app works, it just forgets on reload.
  }
}

function parseDuty(value: unknown): boolean | null {
  if (typeof value !== 'object' || value === null) return null;
  const online = (value as { online?: unknown }).online;
  return typeof online === 'boolean' ? online : null;
}

/** Whether the driver last asked to be on duty (default: off). */
export function readDuty(store: KeyValueStore | null, userId: string): boolean {
  return parseDuty(read(store, dutyKey(userId))) ?? false;
}

export function writeDuty(store: KeyValueStore | null, userId: string, online: boolean): void {
  write(store, dutyKey(userId), { online });
}

/** The duty another tab just stored, if `event` is about this driver's duty; else `null`. */
export function dutyFromStorageEvent(event: Pick<StorageEvent, 'key' | 'newValue'>, userId: string): boolean | null {
  if (event.key !== dutyKey(userId)) return null;
  if (event.newValue === null) return false;
  try {
    return parseDuty(JSON.parse(event.newValue));
  } catch {
    return null;
  }
}

export interface CarMemory {
  simulate: boolean;
  position: Fix | null;
}

function parseFix(value: unknown): Fix | null {
  if (typeof value !== 'object' || value === null) return null;
  const { lat, lng, heading, speed } = value as Record<string, unknown>;
  if (typeof lat !== 'number' || typeof lng !== 'number') return null;
  if (!Number.isFinite(lat) || !Number.isFinite(lng) || Math.abs(lat) > 90 || Math.abs(lng) > 180) return null;
  const fix: Fix = { lat, lng };
  if (typeof heading === 'number' && Number.isFinite(heading)) fix.heading = heading;
  if (typeof speed === 'number' && Number.isFinite(speed) && speed >= 0) fix.speed = speed;
  return fix;
}

export function readCar(store: KeyValueStore | null, userId: string): CarMemory {
  const value = read(store, carKey(userId));
  if (typeof value !== 'object' || value === null) return { simulate: false, position: null };
  const { simulate, position } = value as Record<string, unknown>;
  return { simulate: simulate === true, position: parseFix(position) };
}

export function writeCar(store: KeyValueStore | null, userId: string, car: CarMemory): void {
  write(store, carKey(userId), car);
}

/** `window.localStorage` / `sessionStorage`, or `null` where there is none (or it throws). */
export function browserStore(kind: 'local' | 'session'): KeyValueStore | null {
  try {
    return kind === 'local' ? window.localStorage : window.sessionStorage;
  } catch {
    return null;
  }
}
