// The driver's ride-product calls: the vehicle (`GET`/`PUT /api/me/vehicle`),
// the classes it may be (`GET /api/fares`), rating the rider
// (`POST /api/trips/{id}/rating`) and the completed trips earnings are
// summed from. Reads go through `Api.get`; the writes use the same token
// manager (a 401 refreshes once) and fail with the same `ApiError`, carrying
// the server's code and message ("plate: only letters, ...").

import { ApiError, type Api } from '../../lib/api.ts';
import { ProtocolError, parseErrorBody, parseTripsResponse, type Trip } from '../../lib/protocol.ts';
import {
  parseFaresResponse,
  parseRatingResponse,
  parseVehicleResponse,
  type FaresResponse,
  type Rating,
  type RatingRequest,
  type Vehicle,
} from '../../lib/ride-protocol.ts';
import { AuthError, type TokenManager } from '../../lib/token-refresh.ts';

export interface DriverApi {
  /** The registered vehicle, `null` before one is (404). */
  vehicle(): Promise<Vehicle | null>;
  putVehicle(vehicle: Vehicle): Promise<Vehicle>;
  fares(): Promise<FaresResponse>;
  rate(tripId: string, body: RatingRequest): Promise<Rating>;
  /** Completed trips, newest first, until one was requested before `sinceMs` (at most `maxPages` of 100). */
  completedSince(sinceMs: number, maxPages?: number): Promise<Trip[]>;
}

export function createDriverApi(api: Api, tokens: TokenManager, baseUrl: string, fetchImpl: typeof fetch = fetch): DriverApi {
  async function token(refresh: boolean): Promise<string> {
    try {
      return refresh ? await tokens.refresh() : await tokens.getToken();
    } catch (e) {
      if (e instanceof AuthError) throw new ApiError(e.terminal ? 401 : 0, 'unauthorized', e.message, e.terminal);
      throw e;
    }
  }

  async function write<T>(method: 'PUT' | 'POST', path: string, body: unknown, parse: (v: unknown) => T): Promise<T> {
    const once = async (refresh: boolean): Promise<Response> => {
      try {
        return await fetchImpl(`${baseUrl}${path}`, {
          method,
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${await token(refresh)}` },
          body: JSON.stringify(body),
        });
      } catch (e) {
        if (e instanceof ApiError) throw e;
        throw new ApiError(0, 'network', `Cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
      }
    };
    let response = await once(false);
    if (response.status === 401) response = await once(true);
    const text = await response.text().catch(() => '');
    let json: unknown = null;
    try {
      json = text === '' ? null : JSON.parse(text);
    } catch {
      json = null;
    }
    try {
      if (!response.ok) {
        const { code, message } = parseErrorBody(json).error;
        throw new ApiError(response.status, code, message);
      }
      return parse(json);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      throw new ApiError(response.status, 'bad_response', `Unexpected answer from the server (${response.status})`);
    }
  }

  return {
    async vehicle() {
      try {
        return (await api.get('/api/me/vehicle', parseVehicleResponse)).vehicle;
      } catch (e) {
        if (e instanceof ApiError && e.status === 404) return null;
        throw e;
      }
    },
    async putVehicle(vehicle) {
      return (await write('PUT', '/api/me/vehicle', vehicle, parseVehicleResponse)).vehicle;
    },
    fares() {
      return api.get('/api/fares', parseFaresResponse);
    },
    async rate(tripId, body) {
      return (await write('POST', `/api/trips/${encodeURIComponent(tripId)}/rating`, body, parseRatingResponse)).rating;
    },
    async completedSince(sinceMs, maxPages = 5) {
      const out: Trip[] = [];
      let before: string | undefined;
      for (let page = 0; page < maxPages; page += 1) {
        const qs = new URLSearchParams({ status: 'completed', limit: '100' });
        if (before !== undefined) qs.set('before', before);
        const body = await api.get(`/api/trips?${qs.toString()}`, parseTripsResponse);
        out.push(...body.trips);
        const last = body.trips[body.trips.length - 1];
        if (body.next_before === undefined || last === undefined || Date.parse(last.requested_at) < sinceMs) break;
        before = body.next_before;
      }
      return out;
    },
  };
}

/**
 * The server names the field first in a 422 ("plate: only letters, digits,
 * spaces and dashes"): the field and the rest, or `null` for another message.
 */
export function fieldError<K extends string>(message: string, fields: readonly K[]): { field: K; text: string } | null {
  const m = /^([a-z_]+):\s*(.*)$/s.exec(message);
  if (m === null || m[1] === undefined) return null;
  const field = fields.find((f) => f === m[1]);
  return field === undefined ? null : { field, text: m[2] ?? message };
}
