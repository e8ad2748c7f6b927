// Access tokens live 15 minutes; refresh tokens are rotated and work once.
// `TokenManager` hands out an access token that is good for at least the
// next minute, refreshing it through `/api/auth/refresh` when it is not.
// Concurrent callers share one in-flight refresh: a second refresh with the
// same (already used) refresh token would look like theft to the server and
// revoke the whole family.

import {
  ProtocolError,
  parseErrorBody,
  parseTokenResponse,
  type ErrorCode,
  type TokenResponse,
  type User,
} from './protocol.ts';

/** Refresh this long before `exp`, so a connect never races the expiry. */
export const DEFAULT_REFRESH_MARGIN_MS = 60_000;

export interface StoredSession {
  accessToken: string;
  refreshToken: string;
  user: User;
}

/** Where the session lives between page loads (localStorage in the apps). */
export interface SessionStore {
  load(): StoredSession | null;
  save(session: StoredSession | null): void;
}

export function memorySessionStore(initial: StoredSession | null = null): SessionStore {
  let session = initial;
  return {
    load: () => session,
    save: (next) => {
      session = next;
    },
  };
}

export function localStorageSessionStore(key = 'hail.session', storage: Storage = localStorage): SessionStore {
  return {
    load: () => {
      const raw = storage.getItem(key);
      if (raw === null) return null;
      try {
        return JSON.parse(raw) as StoredSession;
      } catch {
        return null;
      }
    },
    save: (session) => {
      if (session === null) storage.removeItem(key);
      else storage.setItem(key, JSON.stringify(session));
    },
  };
}

/**
 * Refreshing failed. `terminal` means the session is gone (401: the refresh
 * token is unknown, expired or was reused) and the user must log in again;
 * otherwise retrying later may work.
 */
export class AuthError extends Error {
  override readonly name = 'AuthError';
  readonly code: ErrorCode | 'network' | 'no_session';
  readonly terminal: boolean;

  constructor(code: AuthError['code'], message: string, terminal: boolean) {
    super(message);
    this.code = code;
    this.terminal = terminal;
  }
}

/** Reads `exp` (seconds since the epoch) from a JWT without verifying it. */
export function jwtExpiry(token: string): number | null {
  const payload = token.split('.')[1];
  if (payload === undefined) return null;
  try {
    const base64 = payload.replace(/-/g, '+').replace(/_/g, '/');
    const json: unknown = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, '=')));
    const exp = (json as { exp?: unknown }).exp;
    return typeof exp === 'number' && Number.isFinite(exp) ? exp : null;
  } catch {
    return null;
  }
}

/** Whether `token` expires within `marginMs` of `nowMs` (or has no readable `exp`). */
export function needsRefresh(token: string, nowMs: number, marginMs = DEFAULT_REFRESH_MARGIN_MS): boolean {
  const exp = jwtExpiry(token);
  return exp === null || exp * 1000 - marginMs <= nowMs;
}

export interface TokenManagerOptions {
  store: SessionStore;
  /** Where `/api` lives: `''` for the same origin, or e.g. `https://hail.example`. */
  apiBaseUrl?: string;
  fetch?: typeof fetch;
  now?: () => number;
  refreshMarginMs?: number;
}

export class TokenManager {
  private readonly store: SessionStore;
  private readonly apiBaseUrl: string;
  private readonly fetchImpl: typeof fetch;
  private readonly now: () => number;
  private readonly marginMs: number;
  /** The refresh in flight, shared by every caller until it settles. */
  private inFlight: Promise<string> | null = null;

  constructor(options: TokenManagerOptions) {
    this.store = options.store;
    this.apiBaseUrl = options.apiBaseUrl ?? '';
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.now = options.now ?? Date.now;
    this.marginMs = options.refreshMarginMs ?? DEFAULT_REFRESH_MARGIN_MS;
  }

  /** Stores the tokens of a login or refresh answer. */
  setTokens(response: TokenResponse): void {
    this.store.save({
      accessToken: response.access_token,
      refreshToken: response.refresh_token,
      user: response.user,
    });
  }

  /**
   * Forgets the session here and revokes its refresh family on the server
   * (`POST /api/auth/logout`), so a copied refresh token is worthless too.
   * Best effort: the local session is gone whether or not the server is
   * reached; the access token expires on its own.
   */
  async logout(): Promise<void> {
    const session = this.store.load();
    this.store.save(null);
    if (session === null) return;
    try {
      await this.fetchImpl(`${this.apiBaseUrl}/api/auth/logout`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: session.refreshToken }),
      });
    } catch {
      // Offline: nothing more to do; the refresh token dies with its TTL.
    }
  }

  get user(): User | null {
    return this.store.load()?.user ?? null;
  }

  /** An access token valid for at least the refresh margin. */
  async getToken(): Promise<string> {
    const session = this.store.load();
    if (session === null) throw new AuthError('no_session', 'not logged in', true);
    if (!needsRefresh(session.accessToken, this.now(), this.marginMs)) return session.accessToken;
    return this.refresh();
  }

  /** Refreshes now; joins the refresh already in flight if there is one. */
  refresh(): Promise<string> {
    this.inFlight ??= this.doRefresh().finally(() => {
      this.inFlight = null;
    });
    return this.inFlight;
  }

  private async doRefresh(): Promise<string> {
    const session = this.store.load();
    if (session === null) throw new AuthError('no_session', 'not logged in', true);
    let response: Response;
    try {
      response = await this.fetchImpl(`${this.apiBaseUrl}/api/auth/refresh`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ refresh_token: session.refreshToken }),
      });
    } catch (e) {
      throw new AuthError('network', `refresh failed: ${String(e)}`, false);
    }
    const body: unknown = await response.json().catch(() => null);
    if (!response.ok) {
      let code: ErrorCode = response.status === 401 ? 'unauthorized' : 'unavailable';
      let message = `refresh answered ${response.status}`;
      try {
        ({ code, message } = parseErrorBody(body).error);
      } catch (e) {
        if (!(e instanceof ProtocolError)) throw e;
      }
      const terminal = response.status === 401;
      if (terminal) this.store.save(null);
      throw new AuthError(code, message, terminal);
    }
    const tokens = parseTokenResponse(body);
    this.setTokens(tokens);
    return tokens.access_token;
  }
}
