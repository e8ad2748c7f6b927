import { describe, expect, it, vi } from 'vitest';
import { fakeJwt } from '../test/fake-jwt.ts';
import { trip } from '../test/trips.ts';
import { ApiError, createApi, errorText } from './api.ts';
import { TokenManager, memorySessionStore } from './token-refresh.ts';

const USER = { id: 'u1', username: 'ann', role: 'rider', name: 'Ann' } as const;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function tokens(fetchImpl: typeof fetch, exp = Math.floor(Date.now() / 1000) + 900) {
  return new TokenManager({
    store: memorySessionStore({ accessToken: fakeJwt({ exp }), refreshToken: 'refresh-1', user: USER }),
    fetch: fetchImpl,
  });
}

describe('createApi', () => {
  it('signs up and logs in with JSON bodies', async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      calls.push([String(url), init]);
      if (String(url).endsWith('/signup')) return json(201, { user: USER });
      return json(200, { access_token: 'a', refresh_token: 'r', token_type: 'Bearer', expires_in: 900, user: USER });
    });
    const api = createApi({ baseUrl: 'https://hail.test', fetch: fetchImpl });
    await expect(
      api.signup({ username: 'ann', password: 'correct horse', role: 'rider', name: 'Ann' }),
    ).resolves.toEqual(USER);
    await expect(api.login({ username: 'ann', password: 'correct horse' })).resolves.toMatchObject({
      access_token: 'a',
    });
    expect(calls[0]![0]).toBe('https://hail.test/api/auth/signup');
    expect(calls[0]![1]).toMatchObject({ method: 'POST', headers: { 'Content-Type': 'application/json' } });
    expect(JSON.parse(String(calls[0]![1]!.body))).toEqual({
      username: 'ann',
      password: 'correct horse',
      role: 'rider',
      name: 'Ann',
    });
    expect(calls[1]![0]).toBe('https://hail.test/api/auth/login');
  });

  it("throws the server's code and message", async () => {
    const api = createApi({
      baseUrl: '',
      fetch: async () => json(401, { error: { code: 'unauthorized', message: 'wrong username or password' } }),
    });
    const error = await api.login({ username: 'ann', password: 'nope' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({ status: 401, code: 'unauthorized', message: 'wrong username or password' });
    expect(errorText(error)).toBe('wrong username or password');
  });

  it('keeps an unknown error code as internal with the message intact', async () => {
    const api = createApi({
      baseUrl: '',
      fetch: async () => json(418, { error: { code: 'teapot', message: 'short and stout' } }),
    });
    await expect(api.login({ username: 'a', password: 'b' })).rejects.toMatchObject({
      code: 'internal',
      message: 'short and stout',
    });
  });

  it('explains an error without the contract body, and a network failure', async () => {
    const bare = createApi({
      baseUrl: '',
      fetch: async () => new Response('<html>bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }),
    });
    await expect(bare.login({ username: 'a', password: 'b' })).rejects.toMatchObject({
      status: 502,
      code: 'bad_response',
      message: 'The server answered 502 Bad Gateway',
    });
    const down = createApi({
      baseUrl: '',
      fetch: async () => {
        throw new TypeError('Failed to fetch');
      },
    });
    await expect(down.login({ username: 'a', password: 'b' })).rejects.toMatchObject({
      status: 0,
      code: 'network',
      message: 'Cannot reach the server (Failed to fetch)',
    });
  });

  it('refuses a 200 body that is off the contract', async () => {
    const api = createApi({ baseUrl: '', fetch: async () => json(200, { user: { id: 'u' } }) });
    await expect(api.signup({ username: 'a', password: 'b', role: 'rider' })).rejects.toMatchObject({
      code: 'bad_response',
    });
  });

  it('reads history pages and tracks with the bearer token', async () => {
    const seen: { url: string; auth: string | null }[] = [];
    const fetchImpl = vi.fn(async (url: RequestInfo | URL, init?: RequestInit) => {
      seen.push({ url: String(url), auth: new Headers(init?.headers).get('Authorization') });
      if (String(url).includes('/track'))
        return json(200, { points: [{ lat: 52.5, lng: 13.4, at: '2026-11-22T10:01:00Z' }] });
      return json(200, { trips: [trip('completed')], next_before: 'cursor-1' });
    });
    const api = createApi({ baseUrl: '', tokens: tokens(fetchImpl), fetch: fetchImpl });
    await expect(api.trips({ limit: 20, before: 'cursor-0' })).resolves.toEqual({
      trips: [trip('completed')],
      next_before: 'cursor-1',
    });
    await expect(api.track('t/1')).resolves.toEqual({ points: [{ lat: 52.5, lng: 13.4, at: '2026-11-22T10:01:00Z' }] });
    expect(seen[0]!.url).toBe('/api/trips?limit=20&before=cursor-0');
    expect(seen[0]!.auth).toMatch(/^Bearer ey/);
    expect(seen[1]!.url).toBe('/api/trips/t%2F1/track');
  });

  it('refreshes once on a 401 and retries', async () => {
    const fresh = fakeJwt({ exp: Math.floor(Date.now() / 1000) + 900, n: 2 });
    let meCalls = 0;
    const fetchImpl = vi.fn(async (url: RequestInfo | URL) => {
      if (String(url).endsWith('/api/auth/refresh')) {
        return json(200, {
          access_token: fresh,
          refresh_token: 'refresh-2',
          token_type: 'Bearer',
          expires_in: 900,
          user: USER,
        });
      }
      meCalls += 1;
      return meCalls === 1
        ? json(401, { error: { code: 'unauthorized', message: 'token expired' } })
        : json(200, { user: USER });
    });
    const api = createApi({ baseUrl: '', tokens: tokens(fetchImpl), fetch: fetchImpl });
    await expect(api.me()).resolves.toEqual(USER);
    expect(meCalls).toBe(2);
  });

  it('marks the session ended when the refresh is refused', async () => {
    const fetchImpl = vi.fn(async (url: RequestInfo | URL) =>
      String(url).endsWith('/api/auth/refresh')
        ? json(401, { error: { code: 'unauthorized', message: 'refresh token reused' } })
        : json(401, { error: { code: 'unauthorized', message: 'token expired' } }),
    );
    const api = createApi({ baseUrl: '', tokens: tokens(fetchImpl), fetch: fetchImpl });
    await expect(api.trips()).rejects.toMatchObject({
      sessionEnded: true,
      code: 'unauthorized',
      message: 'refresh token reused',
    });
  });

  it('needs a token manager for authenticated calls', async () => {
    const api = createApi({ baseUrl: '', fetch: async () => json(200, {}) });
    await expect(api.me()).rejects.toMatchObject({ code: 'unauthorized', sessionEnded: true });
  });
});
