// @vitest-environment jsdom
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  parseDispatchDetail,
  parseDispatchesResponse,
  parseOverview,
  parseTasksResponse,
} from '../../lib/monitor-protocol.ts';
import { COUNTER_NAMES, Counters } from './counters.tsx';
import { DispatchTable, type DispatchTableProps } from './dispatch-table.tsx';
import { DispatchTimeline } from './dispatch-timeline.tsx';
import { NodesTable } from './nodes-table.tsx';
import { StreamErrors } from './stream-errors.tsx';
import { TasksTable } from './tasks-table.tsx';

afterEach(cleanup);

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../protocol/fixtures');
const fixture = (name: string): unknown =>
  (JSON.parse(readFileSync(join(FIXTURES, `${name}.json`), 'utf8')) as unknown[])[0];

const overview = parseOverview(fixture('http-monitor-overview'));
const dispatches = parseDispatchesResponse(fixture('http-monitor-dispatches')).dispatches;
const detail = parseDispatchDetail(fixture('http-monitor-dispatch-detail'));
const tasks = parseTasksResponse(fixture('http-monitor-tasks')).tasks;

describe('Counters', () => {
  it('has each counter under its exact name, its text the number alone', () => {
    render(<Counters overview={overview} />);
    const region = screen.getByRole('region', { name: 'Counters' });
    const expected: Record<string, string> = {
      'Nodes up': '1',
      'Nodes down': '1',
      'Riders connected': '120',
      'Drivers connected': '80',
      'Admins connected': '1',
      'Drivers online': '80',
      'Drivers available': '61',
      'Trips requested': '2',
      'Trips accepted': '5',
      'Trips arrived': '1',
      'Trips in progress': '7',
      'Trips completed': '340',
      'Trips cancelled': '12',
      'Trips expired': '4',
    };
    expect(COUNTER_NAMES).toEqual(Object.keys(expected));
    for (const [name, value] of Object.entries(expected)) {
      expect(within(region).getByLabelText(name).textContent).toBe(value);
    }
    // A node down is an alarm.
    expect(within(region).getByLabelText('Nodes down').parentElement?.className).toContain('counter--alarm');
  });

  it('shows dashes before the first overview', () => {
    render(<Counters overview={null} />);
    expect(screen.getByLabelText('Trips accepted').textContent).toBe('–');
  });
});

describe('NodesTable', () => {
  it('has a row per node, status words and the figures', () => {
    render(<NodesTable overview={overview} />);
    const table = screen.getByRole('table', { name: 'Nodes' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(2);
    expect(within(rows[0]!).getByRole('cell', { name: 'up' })).toBeTruthy();
    expect(rows[0]!.textContent).toContain('10.0.0.5:8080');
    expect(rows[0]!.textContent).toContain('29 m 59 s');
    expect(rows[0]!.textContent).toContain('413/s');
    // Last seen on the server's clock: 0.5 s before `at`.
    expect(rows[0]!.textContent).toContain('now');
    expect(within(rows[1]!).getByRole('cell', { name: 'down' })).toBeTruthy();
    expect(rows[1]!.className).toContain('row--bad');
    expect(rows[1]!.textContent).toContain('10 min ago');
  });
});

describe('TasksTable', () => {
  it('highlights a task that failed and shows its error; never-run tasks say so', () => {
    const serverNow = Date.parse('2026-11-29T01:30:03Z');
    render(<TasksTable tasks={tasks} serverNow={serverNow} />);
    const table = screen.getByRole('table', { name: 'Background tasks' });
    const [gps, expiry] = within(table).getAllByRole('row').slice(1);
    expect(gps!.dataset.failing).toBe('true');
    expect(gps!.textContent).toContain('store unavailable: pool timed out');
    expect(gps!.textContent).toContain('3 s ago');
    expect(gps!.textContent).toContain('1.3 ms');
    expect(expiry!.dataset.failing).toBeUndefined();
    expect(expiry!.textContent).toContain('never');
    expect(screen.getByText('1 task has failed')).toBeTruthy();
  });
});

describe('DispatchTable', () => {
  function setup(overrides: Partial<DispatchTableProps> = {}) {
    const props: DispatchTableProps = {
      rows: dispatches,
      filter: 'all',
      limit: 50,
      onFilter: vi.fn(),
      onLimit: vi.fn(),
      selectedId: null,
      onSelect: vi.fn(),
      error: null,
      ...overrides,
    };
    render(<DispatchTable {...props} />);
    return props;
  }

  it('lists the dispatches with their outcome and figures, rows carrying the trip id', () => {
    setup();
    const table = screen.getByRole('table', { name: 'Dispatches' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((r) => r.dataset.tripId)).toEqual(dispatches.map((d) => d.trip_id));
    const cells = within(rows[1]!)
      .getAllByRole('cell')
      .map((c) => c.textContent);
    expect(cells[0]).toBe('4d5e6f71');
    expect(cells.slice(2)).toEqual(['accepted', 'completed', '1', '3.0 km', '3', '1', '4.21 s', 'node-b', 'Details']);
    expect(within(rows[0]!).getAllByRole('cell')[8]!.textContent).toBe('–');
  });

  it('selects a trip by its row or its Details button', () => {
    const props = setup();
    const rows = within(screen.getByRole('table', { name: 'Dispatches' }))
      .getAllByRole('row')
      .slice(1);
    fireEvent.click(rows[0]!);
    expect(props.onSelect).toHaveBeenLastCalledWith(dispatches[0]!.trip_id);
    fireEvent.click(within(rows[1]!).getByRole('button', { name: 'Details' }));
    expect(props.onSelect).toHaveBeenLastCalledWith(dispatches[1]!.trip_id);
    expect(props.onSelect).toHaveBeenCalledTimes(2);
  });

  it('offers the outcome filter and the limit', () => {
    const props = setup({ filter: 'accepted' });
    const select = screen.getByLabelText('Outcome') as HTMLSelectElement;
    expect([...select.options].map((o) => o.textContent)).toEqual([
      'All',
      'searching',
      'accepted',
      'expired',
      'cancelled',
    ]);
    expect(select.value).toBe('accepted');
    fireEvent.change(select, { target: { value: 'expired' } });
    expect(props.onFilter).toHaveBeenCalledWith('expired');
    fireEvent.change(screen.getByLabelText('Limit'), { target: { value: '200' } });
    expect(props.onLimit).toHaveBeenCalledWith(200);
  });

  it('says when a filter matches nothing, and shows a failed read', () => {
    setup({ rows: [], filter: 'expired', error: 'the server answered 503' });
    expect(screen.getByText('No dispatch is expired.')).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toContain('the server answered 503');
  });
});

describe('DispatchTimeline', () => {
  it('lists the events in order, and closes', () => {
    const onClose = vi.fn();
    render(<DispatchTimeline tripId={detail.dispatch.trip_id} detail={detail} error={null} onClose={onClose} />);
    const panel = screen.getByRole('region', { name: 'Dispatch timeline' });
    const items = within(panel)
      .getAllByRole('listitem')
      .map((li) => li.textContent);
    expect(items).toHaveLength(5);
    expect(items[0]).toContain('Requested');
    expect(items[2]).toContain('Offered to Dana Driver (412 m)');
    expect(items[3]).toContain('Dana Driver accepted');
    expect(items[4]).toContain('Accepted');
    expect(panel.textContent).toContain('1 offered, 0 declined');
    fireEvent.click(within(panel).getByRole('button', { name: 'Close' }));
    expect(onClose).toHaveBeenCalled();
  });

  it('shows a failed read', () => {
    render(<DispatchTimeline tripId="t1" detail={null} error="not found" onClose={() => {}} />);
    expect(screen.getByRole('alert').textContent).toContain('not found');
  });
});

describe('StreamErrors', () => {
  it('is nothing without errors, and an alert listing them otherwise', () => {
    const { container } = render(<StreamErrors fatal={null} errors={[]} />);
    expect(container.textContent).toBe('');
    cleanup();
    render(<StreamErrors fatal="refused" errors={[{ source: 'map', message: 'store unavailable', at: Date.now() }]} />);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('refused');
    expect(alert.textContent).toContain('map: store unavailable');
  });
});
