// @vitest-environment jsdom
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import { parseSurgeResponse } from '../../lib/monitor-protocol.ts';
import { SurgeTable, formatMultiplier } from './surge-table.tsx';

afterEach(cleanup);

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../protocol/fixtures');
const boards = (JSON.parse(readFileSync(join(FIXTURES, 'http-monitor-surge.json'), 'utf8')) as unknown[]).map(
  (b) => parseSurgeResponse(b),
);

describe('formatMultiplier', () => {
  it('shows basis points as a multiplier with two decimals', () => {
    expect(formatMultiplier(10_000)).toBe('1.00×');
    expect(formatMultiplier(12_500)).toBe('1.25×');
    expect(formatMultiplier(20_000)).toBe('2.00×');
  });
});

describe('SurgeTable', () => {
  it('lists every cell with supply, demand and multiplier, and marks the surging ones', () => {
    const board = boards.find((b) => b.cells.length > 0);
    expect(board).toBeDefined();
    if (!board) return;
    const now = Date.parse(board.computed_at ?? '2026-01-01T00:00:00Z') + 5_000;
    render(<SurgeTable board={board} serverNow={now} />);
    const table = screen.getByRole('table', { name: 'Surge cells' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(board.cells.length);
    board.cells.forEach((cell, i) => {
      const row = rows[i];
      expect(row).toBeDefined();
      if (!row) return;
      expect(within(row).getByText(cell.cell)).toBeTruthy();
      expect(within(row).getByText(formatMultiplier(cell.surge_bp))).toBeTruthy();
      expect(row.className.includes('row--bad')).toBe(cell.surge_bp > 10_000);
    });
    const surging = board.cells.filter((c) => c.surge_bp > 10_000).length;
    if (surging > 0) {
      expect(screen.getByText(new RegExp(`${surging} cells? surging`))).toBeTruthy();
    }
    expect(screen.getByText(/computed 5 s ago/)).toBeTruthy();
  });

  it('says so when there is no board yet', () => {
    render(<SurgeTable board={null} serverNow={0} />);
    expect(screen.getByText('No surge data yet.')).toBeTruthy();
    expect(screen.queryByRole('table', { name: 'Surge cells' })).toBeNull();
  });
});
