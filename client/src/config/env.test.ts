import { describe, expect, it } from 'vitest';
import { DEFAULT_MAP_TILE_URL, EnvError, parseEnv, wsProtocols, wsUrl } from './env.ts';

describe('parseEnv', () => {
  it('defaults to the same origin and OpenStreetMap tiles', () => {
    expect(parseEnv({})).toEqual({ apiBaseUrl: '', mapTileUrl: DEFAULT_MAP_TILE_URL });
    expect(parseEnv({ VITE_API_BASE_URL: '  ', VITE_MAP_TILE_URL: '' })).toEqual({
      apiBaseUrl: '',
      mapTileUrl: DEFAULT_MAP_TILE_URL,
    });
  });

  it('takes an API base URL and drops trailing slashes', () => {
    expect(parseEnv({ VITE_API_BASE_URL: 'https://hail.example/' }).apiBaseUrl).toBe('https://hail.example');
    expect(parseEnv({ VITE_API_BASE_URL: 'http://127.0.0.1:8080' }).apiBaseUrl).toBe('http://127.0.0.1:8080');
    expect(parseEnv({ VITE_API_BASE_URL: 'https://x.example/hail//' }).apiBaseUrl).toBe('https://x.example/hail');
  });

  it('rejects an API base URL that is not http(s)', () => {
    expect(() => parseEnv({ VITE_API_BASE_URL: 'hail.example' })).toThrow(EnvError);
    expect(() => parseEnv({ VITE_API_BASE_URL: 'ftp://hail.example' })).toThrow(/VITE_API_BASE_URL must use http/);
    expect(() => parseEnv({ VITE_API_BASE_URL: 'https://h.example/?a=1' })).toThrow(/query/);
  });

  it('takes a tile URL template and rejects one without placeholders', () => {
    const tiles = 'https://{s}.tiles.example/{z}/{x}/{y}.png';
    expect(parseEnv({ VITE_MAP_TILE_URL: tiles }).mapTileUrl).toBe(tiles);
    expect(() => parseEnv({ VITE_MAP_TILE_URL: 'https://tiles.example/{z}/{x}.png' })).toThrow(/must contain \{y\}/);
    expect(() => parseEnv({ VITE_MAP_TILE_URL: 'not a url {z}{x}{y}' })).toThrow(/VITE_MAP_TILE_URL/);
  });
});

describe('wsUrl', () => {
  it('derives ws(s) from the API base or the page origin', () => {
    expect(wsUrl('', 'http://localhost:5173')).toBe('ws://localhost:5173/ws');
    expect(wsUrl('https://hail.example', 'http://x')).toBe('wss://hail.example/ws');
  });

  it('carries the token as a subprotocol, never in the URL', () => {
    expect(wsProtocols('a.b-c_d')).toEqual(['hail.v1', 'bearer.a.b-c_d']);
  });
});
