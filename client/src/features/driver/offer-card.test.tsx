// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Offer } from '../../lib/trip-state.ts';
import { trip } from '../../test/trips.ts';
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
});
