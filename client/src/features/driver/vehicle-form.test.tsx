// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../../lib/api.ts';
import type { FaresResponse, Vehicle } from '../../lib/ride-protocol.ts';
import type { DriverApi } from './driver-api.ts';
import { VehiclePanel, vehicleText } from './vehicle-form.tsx';

afterEach(cleanup);

const FARES: FaresResponse = {
  classes: [
    { class: 'standard', currency: 'EUR', base: 250, per_km: 120, per_minute: 25, minimum: 700, booking_fee: 100 },
    { class: 'xl', currency: 'EUR', base: 400, per_km: 180, per_minute: 35, minimum: 1000, booking_fee: 150 },
  ],
  cancel_grace_s: 120,
  cancel_fee: { amount: 300, currency: 'EUR' },
};

function fakeApi(overrides: Partial<DriverApi> = {}): DriverApi {
  return {
    vehicle: vi.fn(async () => null),
    putVehicle: vi.fn(async (v: Vehicle) => ({ ...v, plate: v.plate.toUpperCase() })),
    fares: vi.fn(async () => FARES),
    rate: vi.fn(),
    completedSince: vi.fn(async () => []),
    ...overrides,
  };
}

function fill(region: HTMLElement, label: string, value: string) {
  fireEvent.change(within(region).getByLabelText(label), { target: { value } });
}

describe('VehiclePanel', () => {
  it('offers the classes of GET /api/fares and saves the vehicle', async () => {
    const api = fakeApi();
    const onSaved = vi.fn();
    render(<VehiclePanel api={api} onSaved={onSaved} onSessionEnd={() => {}} />);
    const region = screen.getByRole('region', { name: 'Vehicle' });
    await waitFor(() => expect(within(region).getByLabelText('Class')).toHaveProperty('value', 'standard'));
    const options = within(region).getAllByRole('option').map((o) => o.textContent);
    expect(options).toEqual(['standard', 'xl']);
    fill(region, 'Make', 'Toyota');
    fill(region, 'Model', 'Prius');
    fill(region, 'Colour', 'silver');
    fill(region, 'Plate', 'b-hx 4821');
    fill(region, 'Class', 'xl');
    fireEvent.click(within(region).getByRole('button', { name: 'Save vehicle' }));
    await waitFor(() => expect(onSaved).toHaveBeenCalledTimes(1));
    expect(api.putVehicle).toHaveBeenCalledWith({
      make: 'Toyota',
      model: 'Prius',
      colour: 'silver',
      plate: 'b-hx 4821',
      class: 'xl',
      seats: 4,
    });
    expect(within(region).getByLabelText('Registered vehicle').textContent).toBe(
      'Silver Toyota Prius · B-HX 4821 · xl, 4 seats',
    );
  });

  it('shows the server error on the field it names, and others on the form', async () => {
    const putVehicle = vi
      .fn()
      .mockRejectedValueOnce(new ApiError(422, 'invalid', 'plate: only letters, digits, spaces and dashes'))
      .mockRejectedValueOnce(new ApiError(503, 'unavailable', 'the store is down'));
    render(<VehiclePanel api={fakeApi({ putVehicle })} onSaved={() => {}} onSessionEnd={() => {}} />);
    const region = screen.getByRole('region', { name: 'Vehicle' });
    await waitFor(() => expect(within(region).getByRole('option', { name: 'standard' })).toBeTruthy());
    fireEvent.click(within(region).getByRole('button', { name: 'Save vehicle' }));
    const plate = within(region).getByLabelText('Plate');
    await waitFor(() => expect(plate.getAttribute('aria-invalid')).toBe('true'));
    const alert = within(region).getByRole('alert');
    expect(alert.textContent).toBe('plate: only letters, digits, spaces and dashes');
    expect(plate.getAttribute('aria-describedby')).toBe(alert.id);
    expect(within(region).getByLabelText('Make').getAttribute('aria-invalid')).toBeNull();

    fireEvent.click(within(region).getByRole('button', { name: 'Save vehicle' }));
    await waitFor(() => expect(within(region).getByRole('alert').textContent).toBe('the store is down'));
    expect(plate.getAttribute('aria-invalid')).toBeNull();
  });

  it('checks the seats are a number before asking', async () => {
    const api = fakeApi();
    render(<VehiclePanel api={api} onSaved={() => {}} onSessionEnd={() => {}} />);
    const region = screen.getByRole('region', { name: 'Vehicle' });
    await waitFor(() => expect(within(region).getByRole('option', { name: 'standard' })).toBeTruthy());
    fill(region, 'Seats', '');
    fireEvent.click(within(region).getByRole('button', { name: 'Save vehicle' }));
    await waitFor(() => expect(within(region).getByLabelText('Seats').getAttribute('aria-invalid')).toBe('true'));
    expect(api.putVehicle).not.toHaveBeenCalled();
  });

  it('shows a registered vehicle, editable', async () => {
    const vehicle: Vehicle = { make: 'VW', model: 'ID.4', colour: 'blue', plate: 'B-E 1', class: 'standard', seats: 1 };
    render(<VehiclePanel api={fakeApi({ vehicle: async () => vehicle })} onSaved={() => {}} onSessionEnd={() => {}} />);
    const region = screen.getByRole('region', { name: 'Vehicle' });
    await waitFor(() => expect(within(region).getByLabelText('Registered vehicle').textContent).toBe(vehicleText(vehicle)));
    expect(vehicleText(vehicle)).toBe('Blue VW ID.4 · B-E 1 · standard, 1 seat');
    fireEvent.click(within(region).getByRole('button', { name: 'Edit vehicle' }));
    expect(within(region).getByLabelText('Model')).toHaveProperty('value', 'ID.4');
  });
});
