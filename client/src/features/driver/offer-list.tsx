// The offers the driver holds right now, oldest first.

import type { Offer } from '../../lib/trip-state.ts';
import { OfferCard } from './offer-card.tsx';

export interface OfferListProps {
  offers: Offer[];
  clockOffsetMs: number;
  online: boolean;
  /** Trip ids whose accept or decline is in flight. */
  pending: ReadonlySet<string>;
  onAccept: (offer: Offer) => void;
  onDecline: (offer: Offer) => void;
}

export function OfferList({ offers, clockOffsetMs, online, pending, onAccept, onDecline }: OfferListProps) {
  return (
    <section className="panel offers" aria-label="Offers">
      <h2>Offers</h2>
      {offers.length === 0 && (
        <p className="muted">{online ? 'Waiting for trip offers nearby…' : 'Go online to receive trip offers.'}</p>
      )}
      {offers.map((offer) => (
        <OfferCard
          key={`${offer.trip.id}:${offer.expiresAt}`}
          offer={offer}
          clockOffsetMs={clockOffsetMs}
          busy={pending.has(offer.trip.id)}
          onAccept={() => onAccept(offer)}
          onDecline={() => onDecline(offer)}
        />
      ))}
    </section>
  );
}
