import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repo = path.resolve(here, '../../..');

/** The binary `cargo build -p hail-server` makes (`make test` builds it first). */
export const HAIL_BIN = process.env.HAIL_BIN ?? path.join(repo, 'target/debug/hail');
/** The apps `npm run build` makes in `client/`. */
export const CLIENT_DIR = process.env.HAIL_CLIENT_DIR ?? path.join(repo, 'client/dist');

/**
 * One real `hail serve` on the embedded store (SQLite + in-process bus) in a
 * fresh data directory, so every test starts from an empty system. `restart`
 * keeps the data and the port: the apps must reconnect to the same address.
 */
export class HailServer {
  private child: ChildProcess | null = null;
  private log: string[] = [];
  port = 0;

  private constructor(
    private readonly dir: string,
    private readonly env: Record<string, string>,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<HailServer> {
    for (const [what, p] of [
      ['the hail binary (cargo build -p hail-server)', HAIL_BIN],
      ['the client build (cd client && npm run build)', path.join(CLIENT_DIR, 'index.html')],
    ]) {
      if (!existsSync(p)) throw new Error(`missing ${what}: ${p}`);
    }
    const server = new HailServer(mkdtempSync(path.join(tmpdir(), 'hail-e2e-')), env);
    await server.spawn();
    return server;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The server's `HAIL_DATA_DIR` (its SQLite store), e.g. for `hail admin create`. */
  get dataDir(): string {
    return this.dir;
  }

  /** What the server logged, for a failing test's report. */
  get output(): string {
    return this.log.join('\n');
  }

  private async spawn(): Promise<void> {
    const child = spawn(HAIL_BIN, ['serve'], {
      env: {
        PATH: process.env.PATH ?? '',
        RUST_LOG: process.env.RUST_LOG ?? 'info',
        HAIL_DEV: '1',
        HAIL_DATA_DIR: this.dir,
        HAIL_CLIENT_DIR: CLIENT_DIR,
        HAIL_BIND: `127.0.0.1:${this.port}`,
        HAIL_SHUTDOWN_TIMEOUT_SECS: '3',
        ...this.env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    child.stderr?.on('data', (chunk: Buffer) => {
      this.log.push(chunk.toString().trimEnd());
      if (this.log.length > 400) this.log.splice(0, this.log.length - 400);
    });
    const lines = createInterface({ input: child.stdout! });
    const addr = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`hail serve did not start:\n${this.output}`)), 30_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`hail serve exited with ${code}:\n${this.output}`));
      });
      lines.on('line', (line) => {
        if (line.startsWith('HAIL_LISTENING ')) {
          clearTimeout(timer);
          resolve(line.slice('HAIL_LISTENING '.length).trim());
        }
      });
    });
    this.port = Number(addr.split(':').pop());
  }

  /** SIGTERM (a graceful drain: sockets close with 1001) and wait for exit. */
  async stop(): Promise<void> {
    const child = this.child;
    if (child === null || child.exitCode !== null) return;
    this.child = null;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  /** Stop, wait `downMs` (so clients see the outage), start again on the same port and data. */
  async restart(downMs = 1_000): Promise<void> {
    await this.stop();
    await new Promise((r) => setTimeout(r, downMs));
    await this.spawn();
  }

  async dispose(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
