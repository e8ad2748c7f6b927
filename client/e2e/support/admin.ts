import { spawn } from 'node:child_process';
import { HAIL_BIN, type HailServer } from './server.ts';

export interface AdminAccount {
  username: string;
  password: string;
  name: string;
  /** `--role` (issue 15): `operator` when absent, as the CLI's default. */
  role?: 'viewer' | 'operator';
}

/**
 * Makes an admin the way an operator does: `hail admin create` on the
 * running server's data directory (sign-up refuses the admin role).
 */
export async function createAdmin(server: HailServer, admin: AdminAccount): Promise<void> {
  const child = spawn(
    HAIL_BIN,
    [
      'admin',
      'create',
      '--username',
      admin.username,
      '--password',
      admin.password,
      '--name',
      admin.name,
      ...(admin.role === undefined ? [] : ['--role', admin.role]),
    ],
    {
      env: { PATH: process.env.PATH ?? '', HAIL_DEV: '1', HAIL_DATA_DIR: server.dataDir, RUST_LOG: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  if (code !== 0) throw new Error(`hail admin create exited with ${code}:\n${output}`);
  if (!output.includes(`created admin ${admin.username}`)) throw new Error(`hail admin create said:\n${output}`);
}
