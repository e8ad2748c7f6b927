// A rider or a driver without a browser: HTTP sign-up and log-in through
// `fetch`, then the WebSocket protocol by hand (`ws`: Node 20 has no global
// WebSocket). For tests that watch these people from another page.

import WebSocket from 'ws';
import type { HailServer } from './server.ts';

export type Frame = Record<string, unknown> & { type: string };

const WAIT_MS = 15_000;

async function post(server: HailServer, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path} answered ${response.status}: ${JSON.stringify(json)}`);
  return json;
}

export async function signUp(
  server: HailServer,
  role: 'rider' | 'driver',
  username: string,
  password: string,
  name: string,
): Promise<void> {
  await post(server, '/api/auth/signup', { username, password, role, name });
}

/** Logs in; the access token. */
export async function logInToken(server: HailServer, username: string, password: string): Promise<string> {
  const body = await post(server, '/api/auth/login', { username, password });
  if (typeof body.access_token !== 'string') throw new Error(`no access token in ${JSON.stringify(body)}`);
  return body.access_token;
}

/** One WebSocket session; every frame it got is kept, so a wait never misses one that came early. */
export class ScriptedClient {
  private readonly frames: Frame[] = [];
  private readonly waiters = new Set<() => void>();

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => {
      this.frames.push(JSON.parse(String(data)) as Frame);
      for (const wake of [...this.waiters]) wake();
    });
  }

  /** Connects with `token` and waits for `hello`. */
  static async connect(server: HailServer, token: string): Promise<ScriptedClient> {
    const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}/ws?token=${encodeURIComponent(token)}`);
    const client = new ScriptedClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.once('error', reject);
    });
    await client.waitFor((f) => f.type === 'hello');
    return client;
  }

  /** The first frame (since the connection opened) that `match` accepts. */
  waitFor(match: (frame: Frame) => boolean, timeoutMs = WAIT_MS): Promise<Frame> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const frame = this.frames.find(match);
        if (frame === undefined) return false;
        this.waiters.delete(wake);
        clearTimeout(timer);
        resolve(frame);
        return true;
      };
      const wake = () => void check();
      const timer = setTimeout(() => {
        this.waiters.delete(wake);
        reject(
          new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(this.frames.map((f) => f.type))}`),
        );
      }, timeoutMs);
      if (!check()) this.waiters.add(wake);
    });
  }

  /** Sends a frame with a `ref` and waits for its `ok`; an `error` rejects. */
  async request(frame: Frame & { ref: string }): Promise<Frame> {
    this.socket.send(JSON.stringify(frame));
    const answer = await this.waitFor((f) => (f.type === 'ok' || f.type === 'error') && f.ref === frame.ref);
    if (answer.type === 'error') throw new Error(`${frame.type} failed: ${JSON.stringify(answer)}`);
    return answer;
  }

  async close(): Promise<void> {
    if (this.socket.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.socket.once('close', () => resolve()));
    this.socket.close(1000);
    await closed;
  }
}
