import { describe, expect, it } from 'vitest';
import { ProtocolError } from './decode.ts';
import { parseNodePageResponse, parseTripDetailResponse, parseUserPageResponse } from './page-protocol.ts';

const AT = '2026-12-02T18:00:00Z';
const trip = {
  id: '0196a0e5-3e4d-7f50-a162-7c8d9e0f1a23',
  status: 'requested',
  rider: { id: '0196a0e4-1c2b-7d3e-8f40-5a6b7c8d9e01', name: 'Ann' },
  driver: null,
  pickup: { lat: 52.52, lng: 13.41 },
  dropoff: { lat: 52.51, lng: 13.37 },
  requested_at: AT,
};
const user = { id: trip.rider.id, username: 'ann', role: 'rider', name: 'Ann' };

describe('page parsers', () => {
  it('read a user page, the additive fields defaulting as serde does', () => {
    const page = parseUserPageResponse({ user, rating: null, trips: [trip], next_cursor: null, ratings: [] });
    expect(page).toMatchObject({ suspended: false, audit: [], next_cursor: null, rating: null });
    expect(page.trips[0]!.id).toBe(trip.id);
    const suspended = parseUserPageResponse({
      user,
      rating: { average: 4.5, count: 2 },
      trips: [],
      next_cursor: trip.id,
      ratings: [{ trip_id: trip.id, by: 'driver', stars: 5, at: AT }],
      suspended: true,
      audit: [{ id: 1, at: AT, actor_id: user.id, actor_username: 'ops', action: 'suspend', target: user.id, result: 'done' }],
    });
    expect(suspended).toMatchObject({ suspended: true, next_cursor: trip.id, rating: { average: 4.5, count: 2 } });
    expect(suspended.audit[0]!.action).toBe('suspend');
  });

  it('read a trip page with or without its dispatch', () => {
    const page = parseTripDetailResponse({ trip, dispatch: null, ratings: [] });
    expect(page).toMatchObject({ dispatch: null, audit: [] });
  });

  it('say where a page is wrong', () => {
    expect(() => parseUserPageResponse({ user, rating: null, trips: [], next_cursor: null, ratings: [], suspended: 'no' })).toThrow(
      ProtocolError,
    );
    expect(() => parseNodePageResponse({ node: {}, tasks: [], trips: [] })).toThrow(/\$\.node/);
  });
});
