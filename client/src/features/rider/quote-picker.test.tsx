// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { FareBreakdown, Quote } from '../../lib/ride-protocol.ts';
import { fareLines } from './fare-breakdown.tsx';
import { QuotePicker } from './quote-picker.tsx';
import type { QuotesState } from './use-quotes.ts';
import { FARE_1332 } from '../../test/trips.ts';

afterEach(cleanup);

const FARE: FareBreakdown = FARE_1332;

function quote(cls: string, fare: Partial<FareBreakdown>, overrides: { [K in keyof Quote]?: Quote[K] | undefined } = {}): Quote {
  const q: Record<string, unknown> = {
    quote_id: `q-${cls}`,
    class: cls,
    pickup: { lat: 52.52, lng: 13.4 },
    dropoff: { lat: 52.5, lng: 13.37 },
    fare: { ...FARE, ...fare },
    drivers_nearby: 2,
    pickup_eta_s: 240,
    expires_at: '2026-11-22T10:05:00Z',
    ...overrides,
  };
  if (q.pickup_eta_s === undefined) delete q.pickup_eta_s;
  return q as unknown as Quote;
}

function state(quotes: Quote[], status: QuotesState['status'] = 'ready'): QuotesState {
  return { status, quotes, error: status === 'failed' ? 'Could not get prices: boom' : null, refresh: vi.fn() };
}

describe('fareLines', () => {
  it('lists the parts and the total, leaving out zero surge and top-up', () => {
    expect(fareLines(FARE).map((l) => l.label)).toEqual([
      'Base fare',
      'Distance (4.8 km)',
      'Time (11 min 26 s)',
      'Booking fee',
      'Total',
    ]);
  });

  it('shows surge and the minimum top-up when there are some', () => {
    const lines = fareLines({ ...FARE, surge: 308, surge_bp: 12500, minimum_adjustment: 40 });
    expect(lines).toContainEqual({ label: 'Surge (1.25×)', amount: 308 });
    expect(lines).toContainEqual({ label: 'Minimum fare top-up', amount: 40 });
  });
});

describe('QuotePicker', () => {
  it('shows each class cheapest first with its price, drivers and ETA, and the breakdown of the chosen one', () => {
    const onChoose = vi.fn();
    render(
      <QuotePicker
        quotes={state([quote('xl', { total: 2050 }), quote('standard', {})])}
        chosenClass={null}
        onChoose={onChoose}
      />,
    );
    const radios = screen.getAllByRole('radio');
    expect(radios.map((r) => r.closest('label')?.textContent)).toEqual([
      'Standard€13.322 drivers nearby, pickup in 4 min',
      'XL€20.502 drivers nearby, pickup in 4 min',
    ]);
    expect((screen.getByRole('radio', { name: /Standard/ }) as HTMLInputElement).checked).toBe(true);
    const breakdown = screen.getByLabelText('Fare estimate', { selector: 'dl' });
    expect(within(breakdown).getByText('Total').nextSibling?.textContent).toBe('€13.32');
    fireEvent.click(screen.getByRole('radio', { name: /XL/ }));
    expect(onChoose).toHaveBeenCalledWith('xl');
  });

  it('says "No drivers nearby" up front and shows surge', () => {
    render(
      <QuotePicker
        quotes={state([quote('standard', { surge_bp: 15000, surge: 600 }, { drivers_nearby: 0, pickup_eta_s: undefined })])}
        chosenClass="standard"
        onChoose={() => {}}
      />,
    );
    const option = screen.getByRole('radio', { name: /Standard/ }).closest('label')!;
    expect(option.textContent).toContain('No drivers nearby');
    expect(option.textContent).toContain('1.5× surge');
    expect(screen.getAllByRole('status').map((s) => s.textContent)).toContainEqual(
      expect.stringContaining('No drivers nearby for Standard'),
    );
  });

  it('loading, failure with retry, and nothing before both places are set', () => {
    const failed = state([], 'failed');
    const { rerender } = render(<QuotePicker quotes={state([], 'loading')} chosenClass={null} onChoose={() => {}} />);
    expect(screen.getByText('Getting prices…')).toBeTruthy();
    rerender(<QuotePicker quotes={failed} chosenClass={null} onChoose={() => {}} />);
    expect(screen.getByRole('alert').textContent).toBe('Could not get prices: boom');
    fireEvent.click(screen.getByRole('button', { name: 'Retry prices' }));
    expect(failed.refresh).toHaveBeenCalled();
    rerender(<QuotePicker quotes={state([], 'idle')} chosenClass={null} onChoose={() => {}} />);
    expect(screen.queryByRole('region', { name: 'Ride options' })).toBeNull();
  });
});
