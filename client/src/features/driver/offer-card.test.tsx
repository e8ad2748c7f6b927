// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Offer } from '../../lib/trip-state.ts';
import { FARE_1332, trip } from '../../test/trips.ts';
import { OfferCard } from './offer-card.tsx';

const NOW = Date.parse('2026-11-22T10:00:00Z');

beforeEach(() => {
  vi.useFakeTimers();
  vi.setSystemTime(NOW);
});

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function offer(distanceM: number): Offer {
  return { trip: trip('requested'), distanceM, expiresAt: '2026-11-22T10:00:15Z', expiresAtMs: NOW + 15_000 };
}

/** An offer as the ride product sends it: rated rider, estimate, class, pickup ETA. */
function rideOffer(): Offer {
  const t = trip('requested', {
    rider: { id: 'r1', name: 'Ann', rating: { average: 4.8, count: 12 } },
    class: 'standard',
    estimate: FARE_1332,
  });
  return { trip: t, distanceM: 1234, pickupEtaS: 240, expiresAt: '2026-11-22T10:00:15Z', expiresAtMs: NOW + 15_000 };
}

describe('OfferCard', () => {
  it('shows the rider, the places, the distance and a live countdown', () => {
    render(<OfferCard offer={offer(350)} clockOffsetMs={0} busy={false} onAccept={() => {}} onDecline={() => {}} />);
    const card = screen.getByRole('article', { name: 'Trip offer' });
    expect(card.textContent).toContain('Ann');
    expect(card.textContent).toContain('350 m away');
    expect(card.textContent).toContain('Alexanderplatz');
    const countdown = within(card).getByLabelText('Offer countdown');
    expect(countdown.textContent).toBe('Expires in 15 s');
    act(() => vi.advanceTimersByTime(1_000));
    expect(countdown.textContent).toBe('Expires in 14 s');
    act(() => vi.advanceTimersByTime(20_000));
    expect(countdown.textContent).toBe('Expires in 0 s');
  });

  it('reads kilometres and counts on the server clock', () => {
    render(
      <OfferCard offer={offer(1234)} clockOffsetMs={5_000} busy={false} onAccept={() => {}} onDecline={() => {}} />,
    );
    const card = screen.getByRole('article', { name: 'Trip offer' });
    expect(card.textContent).toContain('1.2 km away');
    expect(within(card).getByLabelText('Offer countdown').textContent).toBe('Expires in 10 s');
  });

  it('accepts and declines', () => {
    const onAccept = vi.fn();
    const onDecline = vi.fn();
    render(<OfferCard offer={offer(350)} clockOffsetMs={0} busy={false} onAccept={onAccept} onDecline={onDecline} />);
    fireEvent.click(screen.getByRole('button', { name: 'Accept' }));
    fireEvent.click(screen.getByRole('button', { name: 'Decline' }));
    expect(onAccept).toHaveBeenCalledTimes(1);
    expect(onDecline).toHaveBeenCalledTimes(1);
  });

  it('shows the rider rating, pickup distance and ETA, trip distance and the estimated fare', () => {
    render(<OfferCard offer={rideOffer()} clockOffsetMs={0} busy={false} onAccept={() => {}} onDecline={() => {}} />);
    const card = screen.getByRole('article', { name: 'Trip offer' });
    expect(within(card).getByLabelText('Rider rating').textContent).toBe('★ 4.8 (12 ratings)');
    expect(card.textContent).toContain('1.2 km away');
    expect(within(card).getByLabelText('Pickup ETA').textContent).toContain('4 min to the pickup');
    expect(within(card).getByLabelText('Trip distance').textContent).toBe('4.8 km · about 11 min');
    expect(within(card).getByLabelText('Estimated fare').textContent).toBe('€13.32 (standard)');
  });

  it('says a rider nobody rated yet is new, and has no fare line without an estimate', () => {
    render(<OfferCard offer={offer(350)} clockOffsetMs={0} busy={false} onAccept={() => {}} onDecline={() => {}} />);
    const card = screen.getByRole('article', { name: 'Trip offer' });
    expect(within(card).getByLabelText('Rider rating').textContent).toBe('New rider');
    expect(within(card).queryByLabelText('Estimated fare')).toBeNull();
    expect(within(card).queryByLabelText('Pickup ETA')).toBeNull();
  });
});
