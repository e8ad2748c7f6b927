// The toast each trip event deserves, decided from the state before and after.
//
// Working from the two states (not the raw event) means a duplicate or stale
// event, which the reducer ignores, never toasts twice, and a reconnect that
// finds the trip moved on while we were away still says so.

import type { Role } from './protocol.ts';
import { formatDistance } from './distance.ts';
import { cancelledByText } from './trip-status.ts';
import type { TripEvent, TripState } from './trip-state.ts';

/** A toast: `status` for events (role="status"), `alert` for errors (role="alert"). */
export interface Notice {
  kind: 'status' | 'alert';
  text: string;
}

export function tripNotices(prev: TripState, next: TripState, event: TripEvent, viewer: Role): Notice[] {
  const notices: Notice[] = [];
  const before = prev.trip;
  const after = next.trip;

  if (after !== null && after !== before) {
    const sameTrip = before !== null && before.id === after.id;
    // On a page load `hello` restores the trip: that is not news. A new trip
    // arriving through an event (or a change of status) is.
    const news = sameTrip ? before.status !== after.status : event.type !== 'hello';
    if (news) {
      const name = viewer === 'rider' ? after.driver?.name : after.rider.name;
      notices.push({ kind: 'status', text: statusNotice(after.status, viewer, name, after.cancelled_by) });
    }
  }

  if (event.type === 'trip.offer') {
    const added = next.offers.find((o) => o.trip.id === event.trip.id);
    if (added !== undefined && !prev.offers.includes(added)) {
      notices.push({
        kind: 'status',
        text: `New trip offer from ${added.trip.rider.name}, ${formatDistance(added.distanceM)} away`,
      });
    }
  }

  if (event.type === 'trip.offer_withdrawn' && next.offers.length < prev.offers.length) {
    notices.push({ kind: 'status', text: withdrawnNotice(event.reason) });
  }
  if (event.type === 'offers.expire' && next.offers.length < prev.offers.length) {
    notices.push({ kind: 'status', text: withdrawnNotice('expired') });
  }
  return notices;
}

function statusNotice(
  status: NonNullable<TripState['trip']>['status'],
  viewer: Role,
  otherName: string | undefined,
  cancelledBy: NonNullable<TripState['trip']>['cancelled_by'],
): string {
  const rider = viewer === 'rider';
  switch (status) {
    case 'requested':
      return rider ? 'Trip requested: searching for a driver' : 'Trip requested';
    case 'accepted':
      if (rider) return `${otherName ?? 'A driver'} accepted your trip and is on the way`;
      return `Trip accepted: drive to ${otherName ?? 'the rider'} at the pickup`;
    case 'arrived':
      return rider ? 'Your driver has arrived at the pickup' : 'Arrived at the pickup';
    case 'in_progress':
      return 'Trip started';
    case 'completed':
      return 'Trip completed';
    case 'cancelled':
      return cancelledByText(cancelledBy, viewer);
    case 'expired':
      return rider ? 'No driver found: your request expired' : 'The trip expired';
  }
}

function withdrawnNotice(reason: 'taken' | 'cancelled' | 'expired'): string {
  switch (reason) {
    case 'taken':
      return 'Offer withdrawn: another driver took the trip';
    case 'cancelled':
      return 'Offer withdrawn: the rider cancelled';
    case 'expired':
      return 'Offer withdrawn: it expired';
  }
}
