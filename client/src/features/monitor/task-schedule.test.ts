import { describe, expect, it } from 'vitest';
import type { TaskStats } from '../../lib/monitor-protocol.ts';
import { formatNextRun, formatSchedule, isFailingNow, recentStrip } from './task-schedule.ts';

const base: TaskStats = {
  node: 'n1',
  name: 'rollup',
  runs: 2,
  failures: 1,
  last_run_at: '2026-12-02T18:00:00Z',
  last_duration_ms: 1,
  mean_duration_ms: 1,
  backlog: 0,
  last_error: 'store error: db error',
};

describe('task schedule', () => {
  it('formats schedules', () => {
    expect(formatSchedule(undefined)).toBe('on events');
    expect(formatSchedule(200)).toBe('every 200 ms');
    expect(formatSchedule(1500)).toBe('every 1.5 s');
    expect(formatSchedule(60_000)).toBe('every 1 min');
    expect(formatSchedule(7_200_000)).toBe('every 2 h');
  });

  it('formats the next run against the server clock', () => {
    const now = Date.parse('2026-12-02T18:00:00Z');
    expect(formatNextRun(undefined, now)).toBe('–');
    expect(formatNextRun('2026-12-02T18:00:05Z', now)).toBe('in 5 s');
    expect(formatNextRun('2026-12-02T17:59:55Z', now)).toBe('due');
    expect(formatNextRun('2026-12-02T18:03:00Z', now)).toBe('in 3 min');
  });

  it('tells failing now from failed once, and strips the last runs oldest first', () => {
    const ok = { ...base, state: 'ok' as const };
    const failing = {
      ...base,
      state: 'failed' as const,
      recent: [
        { at: '2026-12-02T18:00:00Z', state: 'failed' as const, duration_ms: 1, error: 'x' },
        { at: '2026-12-02T17:59:50Z', state: 'ok' as const, duration_ms: 1 },
      ],
    };
    expect(isFailingNow(ok)).toBe(false);
    expect(isFailingNow(base)).toBe(false);
    expect(isFailingNow(failing)).toBe(true);
    expect(recentStrip(failing)).toBe('✓✗');
    expect(recentStrip(base)).toBe('');
  });
});
