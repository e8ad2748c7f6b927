import { describe, expect, it, vi } from 'vitest';
import { fakeJwt } from '../test/fake-jwt.ts';
import type { TokenResponse, User } from './protocol.ts';
import {
  AuthError,
  TokenManager,
  jwtExpiry,
  memorySessionStore,
  needsRefresh,
  type StoredSession,
} from './token-refresh.ts';

const USER: User = { id: '0196a0e4-1c2b-7d3e-8f40-5a6b7c8d9e01', username: 'ann', role: 'rider', name: 'Ann' };
const NOW = Date.parse('2026-11-22T10:00:00Z');

const tokenExpiringIn = (seconds: number, sub = USER.id) =>
  fakeJwt({ sub, role: 'rider', iat: NOW / 1000 - 60, exp: NOW / 1000 + seconds });

function session(accessToken: string): StoredSession {
  return { accessToken, refreshToken: 'refresh-1', user: USER };
}

function tokenResponse(access: string, refresh: string): TokenResponse {
  return { access_token: access, refresh_token: refresh, token_type: 'Bearer', expires_in: 900, user: USER };
}

function jsonResponse(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

describe('jwtExpiry and needsRefresh', () => {
  it('reads exp from the payload without verifying', () => {
    expect(jwtExpiry(fakeJwt({ exp: 1795342500 }))).toBe(1795342500);
    expect(jwtExpiry('not-a-jwt')).toBeNull();
    expect(jwtExpiry('a.!!!.c')).toBeNull();
    expect(jwtExpiry(fakeJwt({ sub: 'x' }))).toBeNull();
  });

  it('refreshes 60 s before exp, and when exp is unreadable', () => {
    expect(needsRefresh(tokenExpiringIn(900), NOW)).toBe(false);
    expect(needsRefresh(tokenExpiringIn(61), NOW)).toBe(false);
    expect(needsRefresh(tokenExpiringIn(60), NOW)).toBe(true);
    expect(needsRefresh(tokenExpiringIn(-5), NOW)).toBe(true);
    expect(needsRefresh('garbage', NOW)).toBe(true);
    expect(needsRefresh(tokenExpiringIn(100), NOW, 120_000)).toBe(true);
  });
});

describe('TokenManager', () => {
  it('returns a fresh token without fetching', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>();
    const token = tokenExpiringIn(900);
    const tm = new TokenManager({ store: memorySessionStore(session(token)), fetch, now: () => NOW });
    await expect(tm.getToken()).resolves.toBe(token);
    expect(fetch).not.toHaveBeenCalled();
  });

  it('refreshes a token near expiry and stores the rotated pair', async () => {
    const fresh = tokenExpiringIn(900);
    const fetch = vi.fn<typeof globalThis.fetch>(async () => jsonResponse(200, tokenResponse(fresh, 'refresh-2')));
    const store = memorySessionStore(session(tokenExpiringIn(30)));
    const tm = new TokenManager({ store, fetch, now: () => NOW, apiBaseUrl: 'https://hail.example' });

    await expect(tm.getToken()).resolves.toBe(fresh);
    expect(fetch).toHaveBeenCalledTimes(1);
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('https://hail.example/api/auth/refresh');
    expect(init?.method).toBe('POST');
    expect(JSON.parse(init?.body as string)).toEqual({ refresh_token: 'refresh-1' });
    expect(store.load()).toEqual({ accessToken: fresh, refreshToken: 'refresh-2', user: USER });
  });

  it('logs out: forgets the session and revokes its refresh family', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () => new Response(null, { status: 204 }));
    const store = memorySessionStore(session(tokenExpiringIn(900)));
    const tm = new TokenManager({ store, fetch, now: () => NOW, apiBaseUrl: 'https://hail.example' });
    await tm.logout();
    expect(store.load()).toBeNull();
    const [url, init] = fetch.mock.calls[0]!;
    expect(url).toBe('https://hail.example/api/auth/logout');
    expect(JSON.parse(init?.body as string)).toEqual({ refresh_token: 'refresh-1' });
  });

  it('logs out locally even when the server cannot be reached', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () => Promise.reject(new TypeError('offline')));
    const store = memorySessionStore(session(tokenExpiringIn(900)));
    const tm = new TokenManager({ store, fetch, now: () => NOW });
    await expect(tm.logout()).resolves.toBeUndefined();
    expect(store.load()).toBeNull();
  });

  it('shares one in-flight refresh between concurrent callers', async () => {
    const fresh = tokenExpiringIn(900);
    let answer!: (r: Response) => void;
    const fetch = vi.fn<typeof globalThis.fetch>(() => new Promise<Response>((resolve) => (answer = resolve)));
    const tm = new TokenManager({ store: memorySessionStore(session(tokenExpiringIn(10))), fetch, now: () => NOW });

    const callers = [tm.getToken(), tm.getToken(), tm.refresh(), tm.getToken()];
    await Promise.resolve();
    expect(fetch).toHaveBeenCalledTimes(1);
    answer(jsonResponse(200, tokenResponse(fresh, 'refresh-2')));
    expect(await Promise.all(callers)).toEqual([fresh, fresh, fresh, fresh]);

    // Once settled, a later refresh is a new request with the rotated token.
    fetch.mockImplementation(async () => jsonResponse(200, tokenResponse(fresh, 'refresh-3')));
    await tm.refresh();
    expect(fetch).toHaveBeenCalledTimes(2);
    expect(JSON.parse(fetch.mock.calls[1]![1]?.body as string)).toEqual({ refresh_token: 'refresh-2' });
  });

  it('a 401 ends the session: terminal AuthError and the store is cleared', async () => {
    const fetch = vi.fn<typeof globalThis.fetch>(async () =>
      jsonResponse(401, { error: { code: 'unauthorized', message: 'refresh token reused' } }),
    );
    const store = memorySessionStore(session(tokenExpiringIn(0)));
    const tm = new TokenManager({ store, fetch, now: () => NOW });
    const error = await tm.getToken().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AuthError);
    expect(error).toMatchObject({ code: 'unauthorized', terminal: true, message: 'refresh token reused' });
    expect(store.load()).toBeNull();
    await expect(tm.getToken()).rejects.toMatchObject({ code: 'no_session', terminal: true });
  });

  it('a 503 or a network failure is retryable and keeps the session', async () => {
    const store = memorySessionStore(session(tokenExpiringIn(0)));
    const fetch = vi.fn<typeof globalThis.fetch>(async () =>
      jsonResponse(503, { error: { code: 'unavailable', message: 'store busy' } }),
    );
    const tm = new TokenManager({ store, fetch, now: () => NOW });
    await expect(tm.getToken()).rejects.toMatchObject({ code: 'unavailable', terminal: false });
    fetch.mockImplementation(async () => {
      throw new TypeError('network down');
    });
    await expect(tm.getToken()).rejects.toMatchObject({ code: 'network', terminal: false });
    expect(store.load()).not.toBeNull();
  });
});
