import { describe, expect, it } from 'vitest';
import { parseClientMessage } from '../../lib/protocol.ts';
import { HEARTBEAT_MS, MIN_SEND_INTERVAL_MS, locationMessage } from './use-location-sender.ts';

describe('locationMessage', () => {
  const at = new Date('2026-11-22T10:00:01.250Z');

  it('sends position, time, and heading and speed when known', () => {
    const message = locationMessage({ lat: 52.52, lng: 13.405, heading: 90, speed: 20 }, at);
    expect(message).toEqual({
      type: 'location',
      lat: 52.52,
      lng: 13.405,
      heading: 90,
      speed: 20,
      at: '2026-11-22T10:00:01.250Z',
    });
    expect(parseClientMessage(message)).toEqual(message);
  });

  it('leaves out what is unknown or off the contract', () => {
    expect(locationMessage({ lat: 1, lng: 2, heading: Number.NaN, speed: -1 }, at)).toEqual({
      type: 'location',
      lat: 1,
      lng: 2,
      at: '2026-11-22T10:00:01.250Z',
    });
  });

  it('sends at most once a second, and repeats well inside the 30 s staleness', () => {
    expect(MIN_SEND_INTERVAL_MS).toBe(1_000);
    expect(HEARTBEAT_MS).toBeLessThan(30_000 / 3);
  });
});
