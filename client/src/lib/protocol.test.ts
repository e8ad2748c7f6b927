import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  ProtocolError,
  decodeServerMessage,
  parseClientMessage,
  parseErrorBody,
  parseLoginRequest,
  parseRefreshRequest,
  parseServerMessage,
  parseSignupRequest,
  parseTokenResponse,
  parseTrackResponse,
  parseTrip,
  parseTripResponse,
  parseTripsResponse,
  parseUserResponse,
} from './protocol.ts';
import {
  parseDispatchDetail,
  parseDispatchesResponse,
  parseMonitorMap,
  parseOverview,
  parseSurgeResponse,
  parseTasksResponse,
} from './monitor-protocol.ts';
import { parseActionResponse, parseAuditResponse, parseMonitorMe } from './operator-protocol.ts';
import { parseHistoryResponse, parseTripSearchResponse } from './history-protocol.ts';
import {
  parseFaresResponse,
  parseQuoteRequest,
  parseQuotesResponse,
  parseRatingRequest,
  parseRatingResponse,
  parseReceipt,
  parseVehicleResponse,
} from './ride-protocol.ts';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../protocol/fixtures');

const HTTP_PARSERS: Record<string, (value: unknown) => unknown> = {
  'http-signup-request': parseSignupRequest,
  'http-login-request': parseLoginRequest,
  'http-refresh-request': parseRefreshRequest,
  'http-token-response': parseTokenResponse,
  'http-user-response': parseUserResponse,
  'http-trip-response': parseTripResponse,
  'http-trips-response': parseTripsResponse,
  'http-track-response': parseTrackResponse,
  'http-error-body': parseErrorBody,
  // The admin monitor extension (protocol/src/monitor.rs, lib/monitor-protocol.ts).
  'http-monitor-overview': parseOverview,
  'http-monitor-dispatches': parseDispatchesResponse,
  'http-monitor-dispatch-detail': parseDispatchDetail,
  'http-monitor-tasks': parseTasksResponse,
  'http-monitor-map': parseMonitorMap,
  'http-monitor-surge': parseSurgeResponse,
  'http-operator-me': parseMonitorMe,
  'http-operator-action': parseActionResponse,
  'http-operator-audit': parseAuditResponse,
  // The monitor's history and task runs (protocol/src/history.rs, lib/history-protocol.ts).
  'http-history-response': parseHistoryResponse,
  'http-history-trip-search': parseTripSearchResponse,
  'http-monitor-tasks-runs': parseTasksResponse,
  // The ride product (protocol/src/ride.rs, lib/ride-protocol.ts).
  'http-fares-response': parseFaresResponse,
  'http-quote-request': parseQuoteRequest,
  'http-quotes-response': parseQuotesResponse,
  'http-vehicle-response': parseVehicleResponse,
  'http-rating-request': parseRatingRequest,
  'http-rating-response': parseRatingResponse,
  'http-receipt': parseReceipt,
};

/** Picks the parser for a fixture file by its name; every file must have one. */
function parserFor(name: string): (value: unknown) => unknown {
  if (name.startsWith('server-')) return (value) => parseServerMessage(JSON.stringify(value));
  if (name.startsWith('client-')) return parseClientMessage;
  const parser = HTTP_PARSERS[name];
  if (!parser) throw new Error(`no parser for fixture ${name}.json: add one to this test`);
  return parser;
}

const files = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.json'))
  .sort();

describe('protocol fixtures', () => {
  it('finds the shared fixtures', () => {
    expect(files.length).toBeGreaterThanOrEqual(20);
    const kinds = ['server-hello', 'server-ok', 'client-location', 'http-token-response', 'http-monitor-overview'];
    for (const kind of kinds) {
      expect(files).toContain(`${kind}.json`);
    }
  });

  describe.each(files)('%s', (file) => {
    const name = file.replace(/\.json$/, '');
    const examples: unknown = JSON.parse(readFileSync(join(FIXTURES, file), 'utf8'));

    it('is a non-empty array', () => {
      expect(Array.isArray(examples)).toBe(true);
      expect((examples as unknown[]).length).toBeGreaterThan(0);
    });

    it('parses and round-trips every example', () => {
      const parse = parserFor(name);
      for (const example of examples as unknown[]) {
        const parsed = parse(example);
        expect(JSON.parse(JSON.stringify(parsed))).toStrictEqual(example);
      }
    });

    if (name.startsWith('server-')) {
      it('has the type its file names', () => {
        const types = new Set((examples as { type: string }[]).map((e) => e.type));
        expect(types.size).toBe(1);
      });
    }
  });

  it('covers every server and client message type', () => {
    const seen = new Set<string>();
    for (const file of files.filter((f) => /^(server|client)-/.test(f))) {
      for (const e of JSON.parse(readFileSync(join(FIXTURES, file), 'utf8')) as { type: string }[]) {
        seen.add(e.type);
      }
    }
    expect([...seen].sort()).toEqual(
      [
        'hello', 'ok', 'error', 'trip.offer', 'trip.offer_withdrawn', 'trip.updated',
        'driver.location', 'location', 'driver.available', 'trip.request', 'trip.accept',
        'trip.decline', 'trip.arrive', 'trip.start', 'trip.complete', 'trip.cancel',
      ].sort(),
    );
  });
});

const trip = {
  id: '0196a0e5-3e4d-7f50-a162-7c8d9e0f1a23',
  status: 'requested',
  rider: { id: '0196a0e4-1c2b-7d3e-8f40-5a6b7c8d9e01', name: 'Ann' },
  driver: null,
  pickup: { lat: 52.521918, lng: 13.413215 },
  dropoff: { lat: 52.525084, lng: 13.369402 },
  requested_at: '2026-11-22T10:00:00.123456Z',
};

function protocolError(fn: () => unknown): ProtocolError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ProtocolError);
    return e as ProtocolError;
  }
  throw new Error('expected a ProtocolError');
}

describe('parseServerMessage rejects', () => {
  it('an unknown type', () => {
    const e = protocolError(() => parseServerMessage('{"type":"trip.fly","trip_id":"x"}'));
    expect(e.path).toBe('$.type');
    expect(e.message).toContain('trip.fly');
  });

  it('a frame without type', () => {
    expect(protocolError(() => parseServerMessage('{"ref":"a"}')).path).toBe('$.type');
  });

  it('text that is not JSON', () => {
    expect(protocolError(() => parseServerMessage('{nope')).message).toContain('not JSON');
  });

  it('a missing required field', () => {
    const e = protocolError(() => parseServerMessage('{"type":"ok"}'));
    expect(e.path).toBe('$.ref');
    expect(e.message).toContain('missing required field');
  });

  it('a missing field deep inside a trip', () => {
    const { requested_at: _, ...noTime } = trip;
    const e = protocolError(() => decodeServerMessage({ type: 'trip.updated', trip: noTime }));
    expect(e.path).toBe('$.trip.requested_at');
  });

  it('an unknown enum value', () => {
    const e = protocolError(() => parseTrip({ ...trip, status: 'teleported' }));
    expect(e.path).toBe('$.status');
  });

  it('coordinates out of range and bad times', () => {
    expect(() => parseTrip({ ...trip, pickup: { lat: 91, lng: 0 } })).toThrow(/\$\.pickup\.lat/);
    expect(() => parseTrip({ ...trip, requested_at: 'yesterday' })).toThrow(/RFC 3339/);
  });
});

describe('parse leniency the contract asks for', () => {
  it('decodes an error code it does not know as internal, keeping the wire string', () => {
    expect(parseServerMessage('{"type":"error","ref":"r1","code":"quota_exceeded","message":"slow down"}')).toEqual({
      type: 'error',
      ref: 'r1',
      code: 'internal',
      unknown_code: 'quota_exceeded',
      message: 'slow down',
    });
    expect(parseErrorBody({ error: { code: 'teapot', message: 'short and stout' } })).toEqual({
      error: { code: 'internal', unknown_code: 'teapot', message: 'short and stout' },
    });
  });

  it('keeps a known error code as it is, without unknown_code', () => {
    const e = parseServerMessage('{"type":"error","code":"conflict","message":"m"}');
    expect(e).toEqual({ type: 'error', code: 'conflict', message: 'm' });
    expect(e).not.toHaveProperty('unknown_code');
  });

  it('still rejects an error frame whose code is not a string, or that has no message', () => {
    expect(() => parseServerMessage('{"type":"error","code":7,"message":"m"}')).toThrow(ProtocolError);
    expect(() => parseServerMessage('{"type":"error","code":"oops"}')).toThrow(ProtocolError);
  });

  it('treats ok with trip null as absent', () => {
    expect(parseServerMessage('{"type":"ok","ref":"a","trip":null}')).toEqual({ type: 'ok', ref: 'a' });
  });

  it('ignores unknown fields (additive extensions)', () => {
    const parsed = parseTrip({ ...trip, surge: 1.5 });
    expect(parsed).not.toHaveProperty('surge');
  });

  it('keeps hello.trip and trip.driver as null', () => {
    const hello = parseServerMessage(
      JSON.stringify({
        type: 'hello',
        user: { id: 'u', username: 'ann', role: 'rider', name: 'Ann' },
        trip: null,
        server_time: '2026-11-22T10:00:00Z',
      }),
    );
    expect(hello).toMatchObject({ type: 'hello', trip: null });
    expect(parseTrip(trip).driver).toBeNull();
  });
});
