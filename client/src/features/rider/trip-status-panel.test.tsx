// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TripStatus } from '../../lib/protocol.ts';
import { trip } from '../../test/trips.ts';
import { TripStatusPanel } from './trip-status-panel.tsx';

afterEach(cleanup);

function show(status: TripStatus, driverPosition: { lat: number; lng: number; at: string } | null = null) {
  const onCancel = vi.fn();
  const onNewTrip = vi.fn();
  render(
    <TripStatusPanel
      trip={trip(status)}
      driverPosition={driverPosition}
      busy={false}
      onCancel={onCancel}
      onNewTrip={onNewTrip}
    />,
  );
  return { region: screen.getByRole('region', { name: 'Trip status' }), onCancel, onNewTrip };
}

describe('TripStatusPanel', () => {
  it.each([
    ['requested', 'Searching for a driver', true],
    ['accepted', 'Driver on the way', true],
    ['arrived', 'Driver has arrived', true],
    ['in_progress', 'On trip', false],
  ] as const)('%s: heading %j, cancel %s', (status, heading, cancellable) => {
    const { region } = show(status);
    expect(within(region).getByRole('heading').textContent).toBe(heading);
    expect(within(region).queryByRole('button', { name: 'Cancel trip' }) !== null).toBe(cancellable);
    expect(within(region).queryByRole('button', { name: 'New trip' })).toBeNull();
  });

  it.each([
    ['completed', 'Trip completed'],
    ['expired', 'No driver found'],
    ['cancelled', 'Trip cancelled'],
  ] as const)('%s: heading %j and a New trip button', (status, heading) => {
    const { region, onNewTrip } = show(status);
    expect(within(region).getByRole('heading').textContent).toBe(heading);
    fireEvent.click(within(region).getByRole('button', { name: 'New trip' }));
    expect(onNewTrip).toHaveBeenCalled();
  });

  it("shows the driver's name and live position with 5 decimals", () => {
    const { region } = show('accepted', { lat: 52.5200066, lng: 13.404954, at: '2026-11-22T10:01:00Z' });
    expect(region.textContent).toContain('Bo');
    expect(within(region).getByLabelText('Driver position').textContent).toBe('52.52001, 13.40495');
  });

  it('waits for a first position without a position element', () => {
    const { region } = show('accepted');
    expect(within(region).queryByLabelText('Driver position')).toBeNull();
    expect(region.textContent).toContain("Waiting for the driver's position");
  });

  it('cancels', () => {
    const { region, onCancel } = show('requested');
    fireEvent.click(within(region).getByRole('button', { name: 'Cancel trip' }));
    expect(onCancel).toHaveBeenCalled();
  });
});
