import { describe, expect, it } from 'vitest';
import type { FareBreakdown, Quote } from '../../lib/ride-protocol.ts';
import {
  availabilityText,
  classLabel,
  isQuoteRejected,
  pickQuote,
  placesKey,
  planRequest,
  quoteUsable,
  renewInMs,
  sortQuotes,
  surgeText,
} from './quote-choice.ts';
import { FARE_1332 } from '../../test/trips.ts';

const FARE: FareBreakdown = FARE_1332;

function quote(cls: string, total: number, overrides: { [K in keyof Quote]?: Quote[K] | undefined } = {}): Quote {
  const q: Record<string, unknown> = {
    quote_id: `q-${cls}`,
    class: cls,
    pickup: { lat: 52.52, lng: 13.4 },
    dropoff: { lat: 52.5, lng: 13.37 },
    fare: { ...FARE, total },
    drivers_nearby: 2,
    pickup_eta_s: 240,
    expires_at: '2026-11-22T10:05:00Z',
    ...overrides,
  };
  if (q.pickup_eta_s === undefined) delete q.pickup_eta_s;
  return q as unknown as Quote;
}

describe('pickQuote', () => {
  const quotes = [quote('xl', 2000), quote('standard', 1332)];

  it('takes the chosen class', () => {
    expect(pickQuote(quotes, 'xl')?.class).toBe('xl');
  });

  it('falls back to standard when nothing (or a class not quoted) is chosen', () => {
    expect(pickQuote(quotes, null)?.class).toBe('standard');
    expect(pickQuote(quotes, 'limo')?.class).toBe('standard');
  });

  it('without standard, the cheapest with drivers nearby, else the cheapest', () => {
    const a = quote('xl', 2000);
    const b = quote('green', 1500, { drivers_nearby: 0 });
    expect(pickQuote([a, b], null)?.class).toBe('xl');
    expect(pickQuote([{ ...a, drivers_nearby: 0 }, b], null)?.class).toBe('green');
  });

  it('is null without quotes', () => {
    expect(pickQuote([], 'standard')).toBeNull();
  });
});

describe('sortQuotes', () => {
  it('orders cheapest first, stable for ties', () => {
    const sorted = sortQuotes([quote('xl', 2000), quote('a', 1000), quote('b', 1000)]);
    expect(sorted.map((q) => q.class)).toEqual(['a', 'b', 'xl']);
  });
});

describe('quoteUsable', () => {
  const q = quote('standard', 1332);
  const expires = Date.parse(q.expires_at);
  it('until a second before it expires', () => {
    expect(quoteUsable(q, expires - 60_000)).toBe(true);
    expect(quoteUsable(q, expires - 1_500)).toBe(true);
    expect(quoteUsable(q, expires - 500)).toBe(false);
    expect(quoteUsable(q, expires + 1)).toBe(false);
  });
});

describe('renewInMs', () => {
  const q = quote('standard', 1332);
  const expires = Date.parse(q.expires_at);
  it('renews 5 s before the first quote expires, or at half a short life, never sooner than 1 s', () => {
    expect(renewInMs([], expires)).toBeNull();
    expect(renewInMs([q, quote('xl', 2000, { expires_at: '2026-11-22T10:06:00Z' })], expires - 300_000)).toBe(295_000);
    expect(renewInMs([q], expires - 4_000)).toBe(2_000);
    expect(renewInMs([q], expires + 10_000)).toBe(1_000);
  });
});

describe('texts', () => {
  it('class labels', () => {
    expect(classLabel('standard')).toBe('Standard');
    expect(classLabel('xl')).toBe('XL');
    expect(classLabel('eco_plus')).toBe('Eco plus');
  });

  it('surge only above 1×', () => {
    expect(surgeText(FARE)).toBeNull();
    expect(surgeText({ ...FARE, surge_bp: 12500 })).toBe('1.25× surge');
  });

  it('availability', () => {
    expect(availabilityText(quote('standard', 1, { drivers_nearby: 0, pickup_eta_s: undefined }))).toBe(
      'No drivers nearby',
    );
    expect(availabilityText(quote('standard', 1, { drivers_nearby: 1, pickup_eta_s: 240 }))).toBe(
      '1 driver nearby, pickup in 4 min',
    );
    expect(availabilityText(quote('standard', 1, { drivers_nearby: 3, pickup_eta_s: 20 }))).toBe(
      '3 drivers nearby, pickup in 1 min',
    );
  });

  it('places key', () => {
    expect(placesKey({ lat: 1, lng: 2 }, { lat: 3, lng: 4 })).toBe('1,2|3,4');
  });

  it('spots a refused quote', () => {
    expect(isQuoteRejected({ code: 'invalid', message: 'quote_id: the quote has expired; ask for a new one' })).toBe(
      true,
    );
    expect(isQuoteRejected({ code: 'conflict', message: 'you already have an active trip' })).toBe(false);
  });
});

describe('planRequest', () => {
  const A = { lat: 52.52, lng: 13.4 };
  const B = { lat: 52.5, lng: 13.37, address: 'Zoo' };
  const quotes = [quote('standard', 1332), quote('xl', 2000)];
  const before = Date.parse('2026-11-22T10:04:00Z');

  it('sends the chosen class with its quote', () => {
    expect(planRequest(A, B, quotes, 'xl', before)).toEqual({
      kind: 'send',
      message: { type: 'trip.request', pickup: A, dropoff: B, class: 'xl', quote_id: 'q-xl' },
    });
    expect(planRequest(A, B, quotes, null, before)).toMatchObject({ message: { class: 'standard', quote_id: 'q-standard' } });
  });

  it('an expired quote is not sent: new prices first', () => {
    expect(planRequest(A, B, quotes, 'xl', Date.parse('2026-11-22T10:05:00Z'))).toEqual({ kind: 'expired' });
  });

  it('without quotes (prices failed) the class alone, or nothing for the default', () => {
    expect(planRequest(A, B, null, 'xl', before)).toEqual({
      kind: 'send',
      message: { type: 'trip.request', pickup: A, dropoff: B, class: 'xl' },
    });
    expect(planRequest(A, B, null, null, before)).toEqual({
      kind: 'send',
      message: { type: 'trip.request', pickup: A, dropoff: B },
    });
  });
});
