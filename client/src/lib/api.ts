// The HTTP half of the contract: sign-up, log-in, history and tracks, and
// `get` for a feature's own authenticated reads (the monitor's endpoints).
//
// Every failure becomes an `ApiError` carrying the server's own `code` and
// `message` (the apps show that message), or a local one for a network
// failure or a body that is not the contract's. Authenticated calls take
// their token from the `TokenManager`; a 401 refreshes once and retries.

import {
  ProtocolError,
  parseErrorBody,
  parseTokenResponse,
  parseTrackResponse,
  parseTripResponse,
  parseTripsResponse,
  parseUserResponse,
  type ErrorCode,
  type LoginRequest,
  type SignupRequest,
  type TokenResponse,
  type TrackResponse,
  type Trip,
  type TripsResponse,
  type User,
} from './protocol.ts';
import { AuthError, type TokenManager } from './token-refresh.ts';

export type ApiErrorCode = ErrorCode | 'network' | 'bad_response';

export class ApiError extends Error {
  override readonly name = 'ApiError';
  /** HTTP status, 0 when no answer came. */
  readonly status: number;
  readonly code: ApiErrorCode;
  /** The session is gone (the refresh token was refused): log in again. */
  readonly sessionEnded: boolean;

  constructor(status: number, code: ApiErrorCode, message: string, sessionEnded = false) {
    super(message);
    this.status = status;
    this.code = code;
    this.sessionEnded = sessionEnded;
  }
}

export interface ApiOptions {
  /** `''` for the page's own origin. */
  baseUrl: string;
  /** Needed for the authenticated calls. */
  tokens?: TokenManager;
  fetch?: typeof fetch;
}

export interface TripsQuery {
  limit?: number;
  /** The `next_before` of the previous page. */
  before?: string;
}

export interface Api {
  signup(body: SignupRequest): Promise<User>;
  login(body: LoginRequest): Promise<TokenResponse>;
  me(): Promise<User>;
  trips(query?: TripsQuery): Promise<TripsResponse>;
  trip(id: string): Promise<Trip>;
  track(id: string): Promise<TrackResponse>;
  /** An authenticated GET of `path` (with its query), the body read by `parse`. */
  get<T>(path: string, parse: (value: unknown) => T): Promise<T>;
  /** An authenticated POST of `body` as JSON to `path`, the answer read by `parse`. */
  post<T>(path: string, body: unknown, parse: (value: unknown) => T): Promise<T>;
}

export function createApi(options: ApiOptions): Api {
  const fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
  const base = options.baseUrl;

  async function send(path: string, init: RequestInit): Promise<unknown> {
    let response: Response;
    try {
      response = await fetchImpl(`${base}${path}`, init);
    } catch (e) {
      throw new ApiError(0, 'network', `Cannot reach the server (${e instanceof Error ? e.message : String(e)})`);
    }
    const text = await response.text().catch(() => '');
    let body: unknown = null;
    if (text !== '') {
      try {
        body = JSON.parse(text);
      } catch {
        body = null;
      }
    }
    if (!response.ok) {
      try {
        const { code, message } = parseErrorBody(body).error;
        throw new ApiError(response.status, code, message);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
        const reason = response.statusText ? ` ${response.statusText}` : '';
        throw new ApiError(response.status, 'bad_response', `The server answered ${response.status}${reason}`);
      }
    }
    return body;
  }

  function parsed<T>(body: unknown, parse: (value: unknown) => T): T {
    try {
      return parse(body);
    } catch (e) {
      if (!(e instanceof ProtocolError)) throw e;
      throw new ApiError(200, 'bad_response', `Unexpected answer from the server: ${e.message}`);
    }
  }

  async function token(refresh: boolean): Promise<string> {
    const tokens = options.tokens;
    if (tokens === undefined) throw new ApiError(0, 'unauthorized', 'not logged in', true);
    try {
      return refresh ? await tokens.refresh() : await tokens.getToken();
    } catch (e) {
      if (e instanceof AuthError) {
        const code: ApiErrorCode = e.code === 'no_session' ? 'unauthorized' : e.code;
        throw new ApiError(e.terminal ? 401 : 0, code, e.message, e.terminal);
      }
      throw e;
    }
  }

  async function authed<T>(path: string, parse: (value: unknown) => T, init: RequestInit = {}): Promise<T> {
    const get = async (refresh: boolean) =>
      send(path, { ...init, headers: { ...init.headers, Authorization: `Bearer ${await token(refresh)}` } });
    let body: unknown;
    try {
      body = await get(false);
    } catch (e) {
      // A token the server no longer takes (e.g. its clock runs ahead): refresh once.
      if (!(e instanceof ApiError) || e.status !== 401) throw e;
      body = await get(true);
    }
    return parsed(body, parse);
  }

  const json = (body: unknown): RequestInit => ({
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });

  return {
    async signup(body) {
      return parsed(await send('/api/auth/signup', json(body)), parseUserResponse).user;
    },
    async login(body) {
      return parsed(await send('/api/auth/login', json(body)), parseTokenResponse);
    },
    async me() {
      return (await authed('/api/me', parseUserResponse)).user;
    },
    trips(query = {}) {
      const params = new URLSearchParams();
      if (query.limit !== undefined) params.set('limit', String(query.limit));
      if (query.before !== undefined) params.set('before', query.before);
      const qs = params.toString();
      return authed(`/api/trips${qs ? `?${qs}` : ''}`, parseTripsResponse);
    },
    async trip(id) {
      return (await authed(`/api/trips/${encodeURIComponent(id)}`, parseTripResponse)).trip;
    },
    track(id) {
      return authed(`/api/trips/${encodeURIComponent(id)}/track`, parseTrackResponse);
    },
    get: (path, parse) => authed(path, parse),
    post: (path, body, parse) => authed(path, parse, json(body)),
  };
}

/** The text to show for any failure: the server's message when there is one. */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
