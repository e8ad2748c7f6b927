import { describe, expect, it } from 'vitest';
import { fakeJwt } from '../../test/fake-jwt.ts';
import { ApiError, createApi } from '../../lib/api.ts';
import { AuthError, TokenManager, memorySessionStore } from '../../lib/token-refresh.ts';
import { monitorApi, streamUrl } from './monitor-api.ts';
import { isFatal } from './use-monitor.ts';

const ADMIN = { id: 'u1', username: 'ada', role: 'admin', name: 'Ada' } as const;
const TOKEN = fakeJwt({ exp: Math.floor(Date.now() / 1000) + 900 });

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

function setup(answer: (url: string) => Response) {
  const seen: { url: string; auth: string | null }[] = [];
  const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit) => {
    seen.push({ url: String(input), auth: new Headers(init?.headers).get('Authorization') });
    return answer(String(input));
  };
  const tokens = new TokenManager({
    store: memorySessionStore({ accessToken: TOKEN, refreshToken: 'r1', user: ADMIN }),
    fetch: fetchImpl,
  });
  return { api: monitorApi(createApi({ baseUrl: 'https://hail.test', tokens, fetch: fetchImpl })), seen };
}

describe('monitorApi', () => {
  it('reads with the bearer token and parses the answer', async () => {
    const { api, seen } = setup(() => json(200, { tasks: [] }));
    await expect(api.tasks()).resolves.toEqual({ tasks: [] });
    expect(seen[0]).toEqual({ url: 'https://hail.test/api/monitor/tasks', auth: `Bearer ${TOKEN}` });
  });

  it('asks for a filtered list and a detail by trip id', async () => {
    const { api, seen } = setup(() => json(200, { dispatches: [] }));
    await api.dispatches('/api/monitor/dispatches?status=expired&limit=50');
    await api.dispatch('a/b').catch(() => {});
    expect(seen.map((s) => s.url)).toEqual([
      'https://hail.test/api/monitor/dispatches?status=expired&limit=50',
      'https://hail.test/api/monitor/dispatches/a%2Fb',
    ]);
  });

  it("gives a non-admin's 403 as a forbidden ApiError, which is fatal", async () => {
    const { api } = setup(() => json(403, { error: { code: 'forbidden', message: 'the monitor is for admins' } }));
    const error = await api.overview().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 403, code: 'forbidden', message: 'the monitor is for admins' });
    expect(isFatal(error)).toBe(true);
  });

  it('says a body off the contract', async () => {
    const { api } = setup(() => json(200, { drivers: [] }));
    await expect(api.map()).rejects.toMatchObject({ code: 'bad_response' });
  });
});

describe('isFatal', () => {
  it('stops on a refused session or a non-admin, retries anything else', () => {
    expect(isFatal(new ApiError(401, 'unauthorized', 'expired'))).toBe(true);
    expect(isFatal(new ApiError(0, 'unauthorized', 'refresh refused', true))).toBe(true);
    expect(isFatal(new AuthError('unauthorized', 'refresh refused', true))).toBe(true);
    expect(isFatal(new AuthError('network', 'offline', false))).toBe(false);
    expect(isFatal(new ApiError(503, 'unavailable', 'busy'))).toBe(false);
    expect(isFatal(new ApiError(0, 'network', 'down'))).toBe(false);
  });
});

describe('streamUrl', () => {
  it('puts the token in the query, on the API origin', () => {
    expect(streamUrl('', 'a.b.c', 'http://127.0.0.1:8080')).toBe(
      'http://127.0.0.1:8080/api/monitor/stream?token=a.b.c',
    );
    expect(streamUrl('https://api.hail.test', 'x-y_z', 'http://page')).toBe(
      'https://api.hail.test/api/monitor/stream?token=x-y_z',
    );
  });
});
