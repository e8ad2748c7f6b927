// @vitest-environment jsdom
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Api } from '../../lib/api.ts';
import { TripSearch } from './trip-search.tsx';

afterEach(cleanup);

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../../../protocol/fixtures');
const [page1, empty] = JSON.parse(readFileSync(join(FIXTURES, 'http-history-trip-search.json'), 'utf8')) as unknown[];

function fakeApi() {
  const get = vi.fn(async (path: string, parse: (v: unknown) => unknown) =>
    parse(path.includes('cursor=') ? empty : page1),
  );
  return { api: { get } as unknown as Api, get };
}

describe('TripSearch', () => {
  it('searches with the query, lists trips, pages on by cursor and back', async () => {
    const { api, get } = fakeApi();
    const onSelect = vi.fn();
    render(<TripSearch api={api} onSelect={onSelect} />);
    fireEvent.change(screen.getByRole('searchbox'), { target: { value: 'status:completed' } });
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    const table = await screen.findByRole('table', { name: 'Trips found' });
    expect(get.mock.calls[0]![0]).toBe('/api/monitor/trips?q=status%3Acompleted&limit=25');
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows).toHaveLength(3);
    fireEvent.click(within(rows[0]!).getByRole('button'));
    expect(onSelect).toHaveBeenCalledTimes(1);

    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByText('No trip matches.')).toBeTruthy());
    expect(get.mock.calls.at(-1)![0]).toContain('cursor=');
    expect(screen.getByText('page 2')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Next' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: 'Previous' }));
    await waitFor(() => expect(screen.getByText('page 1')).toBeTruthy());
  });

  it('sorts by fare or latest change, starting over, and opens a rider from a row', async () => {
    const { api, get } = fakeApi();
    const onOpenUser = vi.fn();
    render(<TripSearch api={api} onSelect={() => {}} onOpenUser={onOpenUser} />);
    fireEvent.click(screen.getByRole('button', { name: 'Search' }));
    const table = await screen.findByRole('table', { name: 'Trips found' });
    fireEvent.click(screen.getByRole('button', { name: 'Next' }));
    await waitFor(() => expect(screen.getByText('page 2')).toBeTruthy());
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort' }), { target: { value: 'fare' } });
    await waitFor(() => expect(get.mock.calls.at(-1)![0]).toBe('/api/monitor/trips?sort=fare&limit=25'));
    expect(screen.getByText('page 1')).toBeTruthy();
    fireEvent.change(screen.getByRole('combobox', { name: 'Sort' }), { target: { value: 'updated' } });
    await waitFor(() => expect(get.mock.calls.at(-1)![0]).toBe('/api/monitor/trips?sort=updated&limit=25'));

    const first = within(await screen.findByRole('table', { name: 'Trips found' })).getAllByRole('row')[1]!;
    const rider = within(first).getAllByRole('link')[0]!;
    fireEvent.click(rider);
    expect(onOpenUser).toHaveBeenCalledTimes(1);
    expect(rider.getAttribute('href')).toBe(`#user/${String(onOpenUser.mock.calls[0]![0])}`);
    // The row's one button still opens the trip.
    expect(within(first).getAllByRole('button')).toHaveLength(1);
    expect(table).toBeTruthy();
  });
});
