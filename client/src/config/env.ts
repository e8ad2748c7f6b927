// The client's configuration, read once from Vite's `import.meta.env` and
// checked at start: a bad value stops the app with a message naming the
// variable, instead of failing later on the first request.

export interface Env {
  /** Origin of the Hail API, no trailing slash; `''` means the page's own origin. */
  apiBaseUrl: string;
  /** Slippy-map tile template with `{z}`, `{x}`, `{y}` (`{s}` optional). */
  mapTileUrl: string;
}

export const DEFAULT_MAP_TILE_URL = 'https://tile.openstreetmap.org/{z}/{x}/{y}.png';

export class EnvError extends Error {
  override readonly name = 'EnvError';
}

type RawEnv = Record<string, string | boolean | undefined>;

function read(raw: RawEnv, key: string): string | undefined {
  const value = raw[key];
  if (typeof value !== 'string') return undefined;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

function httpUrl(key: string, value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new EnvError(`${key} must be an absolute http(s) URL, got ${JSON.stringify(value)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EnvError(`${key} must use http or https, got ${JSON.stringify(value)}`);
  }
  return url;
}

/** Validates the raw variables (`VITE_API_BASE_URL`, `VITE_MAP_TILE_URL`). */
export function parseEnv(raw: RawEnv): Env {
  const apiRaw = read(raw, 'VITE_API_BASE_URL');
  let apiBaseUrl = '';
  if (apiRaw !== undefined) {
    const url = httpUrl('VITE_API_BASE_URL', apiRaw);
    if (url.search !== '' || url.hash !== '') {
      throw new EnvError(`VITE_API_BASE_URL must not carry a query or fragment, got ${JSON.stringify(apiRaw)}`);
    }
    apiBaseUrl = `${url.origin}${url.pathname}`.replace(/\/+$/, '');
  }

  const mapTileUrl = read(raw, 'VITE_MAP_TILE_URL') ?? DEFAULT_MAP_TILE_URL;
  // `{z}` etc. are not valid URL characters for every parser: check a filled-in copy.
  httpUrl('VITE_MAP_TILE_URL', mapTileUrl.replace(/\{[a-z]\}/g, '0'));
  for (const part of ['{z}', '{x}', '{y}']) {
    if (!mapTileUrl.includes(part)) {
      throw new EnvError(`VITE_MAP_TILE_URL must contain ${part}, got ${JSON.stringify(mapTileUrl)}`);
    }
  }

  return { apiBaseUrl, mapTileUrl };
}

/**
 * The WebSocket URL, `ws(s)://<api host>/ws`. The token does not go in it:
 * it travels as a subprotocol ({@link wsProtocols}), so it never lands in a
 * proxy's access log (docs/protocol.md 4.1).
 */
export function wsUrl(apiBaseUrl: string, pageOrigin: string): string {
  const url = new URL(`${apiBaseUrl || pageOrigin}/ws`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/** The subprotocol the server selects; offered beside the token's. */
export const WS_SUBPROTOCOL = 'hail.v1';

/** The subprotocols that carry an access token: `hail.v1` and `bearer.TOKEN`. */
export function wsProtocols(token: string): string[] {
  return [WS_SUBPROTOCOL, `bearer.${token}`];
}

/** The validated configuration; importing this module fails fast on a bad value. */
export const env: Env = parseEnv(import.meta.env);
