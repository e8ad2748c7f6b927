import { describe, expect, it } from 'vitest';
import { TRIP_STATUSES, type TripStatus } from './protocol.ts';
import {
  DRIVER_ACTION_COMMAND,
  DRIVER_ACTION_LABEL,
  RIDER_ACTION_LABEL,
  RIDER_HEADING,
  STATUS_WORD,
  cancelledByText,
  driverActions,
  isActive,
  isEnded,
  riderActions,
  statusRank,
} from './trip-status.ts';

describe('rider headings (the e2e contract)', () => {
  it('has exactly these texts', () => {
    expect(RIDER_HEADING).toEqual({
      requested: 'Searching for a driver',
      accepted: 'Driver on the way',
      arrived: 'Driver has arrived',
      in_progress: 'On trip',
      completed: 'Trip completed',
      expired: 'No driver found',
      cancelled: 'Trip cancelled',
    });
  });

  it('names every status in one word or two', () => {
    for (const status of TRIP_STATUSES) expect(STATUS_WORD[status]).toMatch(/^[A-Z][a-z]+( [a-z]+)?$/);
    expect(STATUS_WORD.completed).toBe('Completed');
    expect(STATUS_WORD.cancelled).toBe('Cancelled');
    expect(STATUS_WORD.expired).toBe('Expired');
  });
});

describe('active and ended', () => {
  it('splits the statuses in two', () => {
    const active = TRIP_STATUSES.filter(isActive);
    const ended = TRIP_STATUSES.filter(isEnded);
    expect(active).toEqual(['requested', 'accepted', 'arrived', 'in_progress']);
    expect(ended).toEqual(['completed', 'cancelled', 'expired']);
  });

  it('ranks statuses along the machine, ends last and equal', () => {
    const ranks = (['requested', 'accepted', 'arrived', 'in_progress', 'completed'] as TripStatus[]).map(statusRank);
    expect(ranks).toEqual([0, 1, 2, 3, 4]);
    expect(statusRank('cancelled')).toBe(4);
    expect(statusRank('expired')).toBe(4);
  });
});

describe('who may do what (docs/protocol.md 4.6)', () => {
  it('lets the rider cancel from requested, accepted and arrived only', () => {
    const cancellable = TRIP_STATUSES.filter((s) => riderActions(s).includes('cancel'));
    expect(cancellable).toEqual(['requested', 'accepted', 'arrived']);
  });

  it('offers the rider a new trip once the trip ended, and nothing on the way', () => {
    expect(riderActions('in_progress')).toEqual([]);
    for (const s of ['completed', 'cancelled', 'expired'] as const) expect(riderActions(s)).toEqual(['new_trip']);
  });

  it('walks the driver through arrive, start, complete', () => {
    expect(driverActions('requested')).toEqual([]);
    expect(driverActions('accepted')).toEqual(['arrive', 'cancel']);
    expect(driverActions('arrived')).toEqual(['start', 'cancel']);
    expect(driverActions('in_progress')).toEqual(['complete']);
    for (const s of ['completed', 'cancelled', 'expired'] as const) expect(driverActions(s)).toEqual([]);
  });

  it('lets the driver cancel from accepted and arrived only', () => {
    expect(TRIP_STATUSES.filter((s) => driverActions(s).includes('cancel'))).toEqual(['accepted', 'arrived']);
  });

  it('labels the buttons as the e2e contract says, and maps them to commands', () => {
    expect(RIDER_ACTION_LABEL).toEqual({ cancel: 'Cancel trip', new_trip: 'New trip' });
    expect(DRIVER_ACTION_LABEL).toEqual({
      arrive: 'Arrived',
      start: 'Start trip',
      complete: 'Complete trip',
      cancel: 'Cancel trip',
    });
    expect(DRIVER_ACTION_COMMAND).toEqual({
      arrive: 'trip.arrive',
      start: 'trip.start',
      complete: 'trip.complete',
      cancel: 'trip.cancel',
    });
  });
});

describe('cancelledByText', () => {
  it('reads from the viewer side', () => {
    expect(cancelledByText('rider', 'rider')).toBe('You cancelled the trip');
    expect(cancelledByText('rider', 'driver')).toBe('The rider cancelled the trip');
    expect(cancelledByText('driver', 'rider')).toBe('The driver cancelled the trip');
    expect(cancelledByText('system', 'rider')).toBe('The trip was cancelled');
    expect(cancelledByText(undefined, 'driver')).toBe('The trip was cancelled');
  });
});
