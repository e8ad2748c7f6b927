// Test helpers: trips and frames with sensible defaults.
import type { HelloMessage, Trip, TripStatus, User } from '../lib/protocol.ts';
import type { FareBreakdown } from '../lib/ride-protocol.ts';

export const RIDER: User = { id: '0196a0e4-1c2b-7d3e-8f40-5a6b7c8d9e01', username: 'ann', role: 'rider', name: 'Ann' };
export const DRIVER: User = { id: '0196a0e4-2d3c-7e4f-9a51-6b7c8d9e0f12', username: 'bo', role: 'driver', name: 'Bo' };

export const TRIP_ID = '0196a0e5-3e4d-7f50-a162-7c8d9e0f1a23';
export const OTHER_ID = '0196a0e5-9999-7f50-a162-7c8d9e0f1a99';

/** A fare that adds up: 250 + 572 + 410 + 100 = €13.32 for 4.8 km, 11 min, no surge. */
export const FARE_1332: FareBreakdown = {
  currency: 'EUR',
  base: 250,
  distance: 572,
  time: 410,
  surge: 0,
  minimum_adjustment: 0,
  booking_fee: 100,
  total: 1332,
  distance_m: 4766,
  duration_s: 686,
  surge_bp: 10000,
};

/** Another: 250 + 600 + 400 + 100 = €13.50 for 5 km, 16 min, no surge. */
export const FARE_1350: FareBreakdown = {
  currency: 'EUR',
  base: 250,
  distance: 600,
  time: 400,
  surge: 0,
  minimum_adjustment: 0,
  booking_fee: 100,
  total: 1350,
  distance_m: 5000,
  duration_s: 960,
  surge_bp: 10000,
};

const TIMES: Partial<Record<TripStatus, keyof Trip>> = {
  accepted: 'accepted_at',
  arrived: 'arrived_at',
  in_progress: 'started_at',
  completed: 'completed_at',
  cancelled: 'cancelled_at',
  expired: 'expired_at',
};

/** A trip in `status`, with a driver from `accepted` on, and every time it would have. */
export function trip(status: TripStatus, overrides: Partial<Trip> = {}): Trip {
  const base: Trip = {
    id: TRIP_ID,
    status,
    rider: { id: RIDER.id, name: RIDER.name },
    driver: status === 'requested' || status === 'expired' ? null : { id: DRIVER.id, name: DRIVER.name },
    pickup: { lat: 52.521918, lng: 13.413215, address: 'Alexanderplatz' },
    dropoff: { lat: 52.525084, lng: 13.369402 },
    requested_at: '2026-11-22T10:00:00.123456Z',
  };
  const order: TripStatus[] = ['accepted', 'arrived', 'in_progress', 'completed'];
  const reached = order.indexOf(status);
  for (let i = 0; i <= reached; i++) {
    const key = TIMES[order[i]!]!;
    (base as unknown as Record<string, unknown>)[key] = `2026-11-22T10:0${i + 1}:00Z`;
  }
  if (status === 'cancelled') {
    base.cancelled_at = '2026-11-22T10:05:00Z';
    base.cancelled_by = 'rider';
  }
  if (status === 'expired') base.expired_at = '2026-11-22T10:01:00Z';
  return { ...base, ...overrides };
}

export function hello(user: User, active: Trip | null, serverTime = '2026-11-22T10:00:00.000Z'): HelloMessage {
  return { type: 'hello', user, trip: active, server_time: serverTime };
}
