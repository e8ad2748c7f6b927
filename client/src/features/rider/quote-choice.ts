// Choosing a ride class from the quotes (pure): which quote the request
// uses, whether it is still good for the places chosen, and the words and
// numbers the class list shows.

import type { ApiError } from '../../lib/api.ts';
import type { Place, Position, TripRequestMessage } from '../../lib/protocol.ts';
import type { FareBreakdown, Quote } from '../../lib/ride-protocol.ts';
import { formatMultiplier } from '../../lib/money-format.ts';

/** The server's default class (`trip.request` without `class`). */
export const DEFAULT_CLASS = 'standard';

/** The request may use a quote only until this long before it expires (the trip to the server). */
export const QUOTE_MARGIN_MS = 1_000;

/** New quotes are fetched this long before the old ones expire (at most half their life left). */
export const QUOTE_RENEW_MS = 5_000;

/** When to fetch new quotes: ms from `serverNowMs`, at least a second. */
export function renewInMs(quotes: Quote[], serverNowMs: number): number | null {
  if (quotes.length === 0) return null;
  const left = Math.min(...quotes.map((q) => Date.parse(q.expires_at))) - serverNowMs;
  return Math.max(1_000, left - Math.min(QUOTE_RENEW_MS, left / 2));
}

/** Identifies a pair of places: quotes are for exactly these. */
export function placesKey(pickup: Position, dropoff: Position): string {
  return `${pickup.lat},${pickup.lng}|${dropoff.lat},${dropoff.lng}`;
}

/** "standard" is "Standard", "xl" "XL" (short names are acronyms). */
export function classLabel(cls: string): string {
  if (cls.length <= 2) return cls.toUpperCase();
  return cls.charAt(0).toUpperCase() + cls.slice(1).replace(/_/g, ' ');
}

/** Cheapest first; the order the server gave for equal totals. */
export function sortQuotes(quotes: Quote[]): Quote[] {
  return quotes
    .map((q, i) => ({ q, i }))
    .sort((a, b) => a.q.fare.total - b.q.fare.total || a.i - b.i)
    .map(({ q }) => q);
}

/**
 * The quote of the chosen class, else the default class's, else the
 * cheapest with a driver nearby, else the cheapest.
 */
export function pickQuote(quotes: Quote[], chosen: string | null): Quote | null {
  if (quotes.length === 0) return null;
  const byClass = (cls: string) => quotes.find((q) => q.class === cls);
  const sorted = sortQuotes(quotes);
  return (
    (chosen !== null ? byClass(chosen) : undefined) ??
    byClass(DEFAULT_CLASS) ??
    sorted.find((q) => q.drivers_nearby > 0) ??
    sorted[0] ??
    null
  );
}

/** Whether the request can still carry this quote at `serverNowMs`. */
export function quoteUsable(quote: Quote, serverNowMs: number): boolean {
  return Date.parse(quote.expires_at) - QUOTE_MARGIN_MS > serverNowMs;
}

/** "1.25× surge" when the price is surged, else null. */
export function surgeText(fare: FareBreakdown): string | null {
  return fare.surge_bp > 10_000 ? `${formatMultiplier(fare.surge_bp)} surge` : null;
}

/** "No drivers nearby", or the pickup ETA in whole minutes. */
export function availabilityText(quote: Quote): string {
  if (quote.drivers_nearby === 0) return 'No drivers nearby';
  const eta = quote.pickup_eta_s;
  const drivers = quote.drivers_nearby === 1 ? '1 driver nearby' : `${quote.drivers_nearby} drivers nearby`;
  if (eta === undefined) return drivers;
  return `${drivers}, pickup in ${Math.max(1, Math.round(eta / 60))} min`;
}

/** The server refused the request's quote as expired (`invalid`, naming `quote_id`). */
export function isQuoteRejected(error: { code: string; message: string }): boolean {
  return error.code === 'invalid' && /quote/i.test(error.message);
}

/** A quote request that failed, in words (the server's message kept). */
export function quoteErrorText(error: ApiError | Error): string {
  return `Could not get prices: ${error.message}`;
}

export type RequestPlan =
  /** Send this `trip.request`. */
  | { kind: 'send'; message: TripRequestMessage }
  /** The quote shown ran out: get new prices and let the rider look at them first. */
  | { kind: 'expired' };

/**
 * The `trip.request` for the places and the class chosen: with the quote's
 * `class` and `quote_id` when its quote is still usable; without a quote
 * (prices failed) the chosen class alone, priced by the server at request.
 */
export function planRequest(
  pickup: Place,
  dropoff: Place,
  quotes: Quote[] | null,
  chosenClass: string | null,
  serverNowMs: number,
): RequestPlan {
  const message: TripRequestMessage = { type: 'trip.request', pickup, dropoff };
  const quote = quotes === null ? null : pickQuote(quotes, chosenClass);
  if (quote !== null) {
    if (!quoteUsable(quote, serverNowMs)) return { kind: 'expired' };
    message.class = quote.class;
    message.quote_id = quote.quote_id;
  } else if (chosenClass !== null) {
    message.class = chosenClass;
  }
  return { kind: 'send', message };
}
