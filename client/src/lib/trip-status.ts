// What each trip status means on screen, and who may do what from it.
//
// Pure tables after the status machine in docs/protocol.md 4.6:
// requested -> accepted -> arrived -> in_progress -> completed; cancelled from
// requested/accepted/arrived (the rider from all three, the assigned driver
// from accepted and arrived); expired from requested (the server's decision).

import type { CancelledBy, Role, TripStatus } from './protocol.ts';

export const ACTIVE_STATUSES: readonly TripStatus[] = ['requested', 'accepted', 'arrived', 'in_progress'];
export const ENDED_STATUSES: readonly TripStatus[] = ['completed', 'cancelled', 'expired'];

export function isActive(status: TripStatus): boolean {
  return ACTIVE_STATUSES.includes(status);
}

export function isEnded(status: TripStatus): boolean {
  return ENDED_STATUSES.includes(status);
}

/**
 * How far along the machine a status is. Two statuses of one trip never go
 * backwards, so an update of lower rank than what we hold is stale. The ends
 * share the last rank: none follows another.
 */
export function statusRank(status: TripStatus): number {
  switch (status) {
    case 'requested':
      return 0;
    case 'accepted':
      return 1;
    case 'arrived':
      return 2;
    case 'in_progress':
      return 3;
    case 'completed':
    case 'cancelled':
    case 'expired':
      return 4;
  }
}

/** The rider's "Trip status" heading (part of the e2e contract: exact text). */
export const RIDER_HEADING: Record<TripStatus, string> = {
  requested: 'Searching for a driver',
  accepted: 'Driver on the way',
  arrived: 'Driver has arrived',
  in_progress: 'On trip',
  completed: 'Trip completed',
  expired: 'No driver found',
  cancelled: 'Trip cancelled',
};

/** The status as one word or two, for lists (history) and badges. */
export const STATUS_WORD: Record<TripStatus, string> = {
  requested: 'Requested',
  accepted: 'Accepted',
  arrived: 'Arrived',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  expired: 'Expired',
};

/** What the driver should do next, under the status word. */
export const DRIVER_HINT: Record<TripStatus, string> = {
  requested: 'Waiting for a driver to accept',
  accepted: 'Drive to the pickup',
  arrived: 'Waiting for the rider at the pickup',
  in_progress: 'Drive to the dropoff',
  completed: 'Trip completed',
  cancelled: 'Trip cancelled',
  expired: 'No driver accepted in time',
};

export type RiderAction = 'cancel' | 'new_trip';
export type DriverAction = 'arrive' | 'start' | 'complete' | 'cancel';

/** The rider's buttons for a trip in `status`. */
export function riderActions(status: TripStatus): RiderAction[] {
  switch (status) {
    case 'requested':
    case 'accepted':
    case 'arrived':
      return ['cancel'];
    case 'in_progress':
      return [];
    case 'completed':
    case 'cancelled':
    case 'expired':
      return ['new_trip'];
  }
}

/** The assigned driver's buttons for a trip in `status`, in display order. */
export function driverActions(status: TripStatus): DriverAction[] {
  switch (status) {
    case 'accepted':
      return ['arrive', 'cancel'];
    case 'arrived':
      return ['start', 'cancel'];
    case 'in_progress':
      return ['complete'];
    case 'requested':
    case 'completed':
    case 'cancelled':
    case 'expired':
      return [];
  }
}

/** Button names (part of the e2e contract: exact text). */
export const RIDER_ACTION_LABEL: Record<RiderAction, string> = {
  cancel: 'Cancel trip',
  new_trip: 'New trip',
};

export const DRIVER_ACTION_LABEL: Record<DriverAction, string> = {
  arrive: 'Arrived',
  start: 'Start trip',
  complete: 'Complete trip',
  cancel: 'Cancel trip',
};

/** The wire command each driver button sends. */
export const DRIVER_ACTION_COMMAND = {
  arrive: 'trip.arrive',
  start: 'trip.start',
  complete: 'trip.complete',
  cancel: 'trip.cancel',
} as const satisfies Record<DriverAction, string>;

/** Who ended a cancelled trip, as the person looking at it reads it. */
export function cancelledByText(by: CancelledBy | undefined, viewer: Role): string {
  if (by === undefined || by === 'system') return 'The trip was cancelled';
  if (by === viewer) return 'You cancelled the trip';
  return by === 'rider' ? 'The rider cancelled the trip' : 'The driver cancelled the trip';
}
