// The Flower-style columns of the tasks table (issue 15): a task's schedule,
// when it runs next, and whether it is failing now (its last run failed),
// as opposed to "has failed once" (`failures > 0`).

import type { TaskStats } from '../../lib/monitor-protocol.ts';
import { formatAge } from './format.ts';

/** `every 10 s`, `every 1 min`, `every 1.5 s`; `on events` for tasks without a schedule. */
export function formatSchedule(intervalMs: number | undefined): string {
  if (intervalMs === undefined) return 'on events';
  if (intervalMs < 1000) return `every ${intervalMs} ms`;
  const s = intervalMs / 1000;
  if (s < 60) return `every ${Number(s.toFixed(1))} s`;
  if (s < 3600) return `every ${Number((s / 60).toFixed(1))} min`;
  return `every ${Number((s / 3600).toFixed(1))} h`;
}

/** `in 3 s`, `due` (late or now), `–` when the task has no next run. */
export function formatNextRun(nextRunAt: string | undefined, serverNow: number): string {
  if (nextRunAt === undefined) return '–';
  const ms = Date.parse(nextRunAt) - serverNow;
  if (!Number.isFinite(ms)) return '?';
  if (ms < 1000) return 'due';
  return formatAge(ms).replace(/ ago$/, '').replace(/^/, 'in ');
}

/** The last run failed: failing now, not only once before. */
export function isFailingNow(task: TaskStats): boolean {
  return task.state === 'failed';
}

/** One glyph per recent run, oldest first: `✓` ok, `✗` failed (like Flower's strip). */
export function recentStrip(task: TaskStats): string {
  return (task.recent ?? [])
    .slice()
    .reverse()
    .map((r) => (r.state === 'ok' ? '✓' : '✗'))
    .join('');
}
