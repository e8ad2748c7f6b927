// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TripStatus } from '../../lib/protocol.ts';
import { FARE_1332, FARE_1350, trip } from '../../test/trips.ts';
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

  it('cancels with a reason', () => {
    const { region, onCancel } = show('requested');
    fireEvent.click(within(region).getByRole('button', { name: 'Cancel trip' }));
    expect(onCancel).not.toHaveBeenCalled();
    expect(within(region).getByLabelText('Cancellation fee').textContent).toBe('Cancelling is free.');
    fireEvent.click(within(region).getByRole('radio', { name: 'My plans changed' }));
    fireEvent.click(within(region).getByRole('button', { name: 'Confirm cancellation' }));
    expect(onCancel).toHaveBeenCalledWith('changed_plans', undefined);
  });

  it('"Keep trip" closes the reason form', () => {
    const { region } = show('accepted');
    fireEvent.click(within(region).getByRole('button', { name: 'Cancel trip' }));
    fireEvent.click(within(region).getByRole('button', { name: 'Keep trip' }));
    expect(within(region).queryByRole('button', { name: 'Confirm cancellation' })).toBeNull();
    expect(within(region).getByRole('button', { name: 'Cancel trip' })).toBeTruthy();
  });

  it("shows the driver's vehicle, plate and rating, the live ETA and the estimate", () => {
    const vehicle = { make: 'Toyota', model: 'Prius', colour: 'silver', plate: 'B-HX 4821', class: 'standard', seats: 4 };
    const estimate = FARE_1332;
    render(
      <TripStatusPanel
        trip={trip('accepted', {
          class: 'standard',
          estimate,
          driver: { id: 'd', name: 'Bo', vehicle, rating: { average: 4.84, count: 12 } },
        })}
        driverPosition={{ lat: 52.52, lng: 13.4, at: '2026-11-22T10:01:00Z', eta_s: 185, eta_to: 'pickup' }}
        etaSeconds={185}
        busy={false}
        onCancel={() => {}}
        onNewTrip={() => {}}
      />,
    );
    const region = screen.getByRole('region', { name: 'Trip status' });
    expect(within(region).getByLabelText('Vehicle').textContent).toBe('silver Toyota Prius');
    expect(within(region).getByLabelText('Plate').textContent).toBe('B-HX 4821');
    expect(within(region).getByLabelText('Driver rating').textContent).toBe('★ 4.8 (12)');
    expect(within(region).getByRole('timer', { name: 'Driver ETA' }).textContent).toBe('At the pickup in 3 min 05 s');
    expect(within(region).getByLabelText('Estimate').textContent).toBe('€13.32');
    expect(document.activeElement).toBe(region);
  });

  it('shows the final fare, and a cancellation fee or none', () => {
    const fare = FARE_1350;
    const { unmount } = render(
      <TripStatusPanel trip={trip('completed', { fare })} driverPosition={null} busy={false} onCancel={() => {}} onNewTrip={() => {}} />,
    );
    expect(screen.getByLabelText('Fare').textContent).toBe('€13.50');
    unmount();
    render(
      <TripStatusPanel
        trip={trip('cancelled', { cancel_fee: { amount: 300, currency: 'EUR' }, cancel_reason: 'wait_too_long' })}
        driverPosition={null}
        busy={false}
        onCancel={() => {}}
        onNewTrip={() => {}}
      />,
    );
    expect(screen.getByLabelText('Cancellation fee').textContent).toBe('€3.00');
    expect(screen.getByRole('region').textContent).toContain('The wait is too long');
  });
});
