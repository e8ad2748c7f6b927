// The ride product's HTTP calls the rider app makes: the fare table, quotes,
// a trip's receipt and the rider's rating of the driver. Errors are the
// `ApiError`s of `lib/api.ts`, with the server's code and message.

import type { Api } from '../../lib/api.ts';
import type { Place } from '../../lib/protocol.ts';
import {
  parseFaresResponse,
  parseQuotesResponse,
  parseRatingResponse,
  parseReceipt,
  type FaresResponse,
  type Quote,
  type Rating,
  type Receipt,
} from '../../lib/ride-protocol.ts';

export interface RideApi {
  fares(): Promise<FaresResponse>;
  /** One quote per class (all classes). */
  quotes(pickup: Place, dropoff: Place): Promise<Quote[]>;
  receipt(tripId: string): Promise<Receipt>;
  rate(tripId: string, stars: number, comment: string): Promise<Rating>;
}

export function rideApi(api: Api): RideApi {
  const trip = (id: string) => `/api/trips/${encodeURIComponent(id)}`;
  return {
    fares: () => api.get('/api/fares', parseFaresResponse),
    async quotes(pickup, dropoff) {
      return (await api.post('/api/quotes', { pickup, dropoff }, parseQuotesResponse)).quotes;
    },
    receipt: (id) => api.get(`${trip(id)}/receipt`, parseReceipt),
    async rate(id, stars, comment) {
      const text = comment.trim();
      const body = text === '' ? { stars } : { stars, comment: text };
      return (await api.post(`${trip(id)}/rating`, body, parseRatingResponse)).rating;
    },
  };
}
