// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Place } from '../../lib/protocol.ts';
import { RequestForm } from './request-form.tsx';
import { nextAfter, useRequestDraft } from './use-request-draft.ts';

afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

function Form({ onRequest }: { onRequest: (pickup: Place, dropoff: Place) => Promise<boolean> }) {
  const draft = useRequestDraft();
  return <RequestForm draft={draft} onRequest={onRequest} />;
}

const type = (label: string, value: string) => fireEvent.change(screen.getByLabelText(label), { target: { value } });

describe('RequestForm', () => {
  it('has the labelled fields and the button of the contract', () => {
    render(<Form onRequest={async () => true} />);
    for (const label of ['Pickup', 'Pickup address', 'Dropoff', 'Dropoff address']) {
      expect(screen.getByLabelText(label)).toBeTruthy();
    }
    expect(screen.getByRole('button', { name: 'Request trip' })).toBeTruthy();
  });

  it('requests with the typed positions and addresses', async () => {
    const onRequest = vi.fn(async () => true);
    render(<Form onRequest={onRequest} />);
    type('Pickup', '52.52, 13.405');
    type('Pickup address', ' Alexanderplatz ');
    type('Dropoff', '52.5,13.37');
    fireEvent.click(screen.getByRole('button', { name: 'Request trip' }));
    await waitFor(() =>
      expect(onRequest).toHaveBeenCalledWith(
        { lat: 52.52, lng: 13.405, address: 'Alexanderplatz' },
        { lat: 52.5, lng: 13.37 },
      ),
    );
  });

  it('shows what is wrong on submit, marks the field invalid, and sends nothing', () => {
    const onRequest = vi.fn(async () => true);
    render(<Form onRequest={onRequest} />);
    type('Pickup', 'Alexanderplatz');
    fireEvent.click(screen.getByRole('button', { name: 'Request trip' }));
    const alerts = screen.getAllByRole('alert').map((a) => a.textContent);
    expect(alerts).toEqual([
      expect.stringContaining('Pickup: Not a position'),
      expect.stringContaining('Dropoff: Enter a position'),
    ]);
    expect(screen.getByLabelText('Pickup').getAttribute('aria-invalid')).toBe('true');
    expect(onRequest).not.toHaveBeenCalled();
    // Nothing else is disabled.
    expect((screen.getByLabelText('Dropoff') as HTMLInputElement).disabled).toBe(false);
    expect((screen.getByRole('button', { name: 'Request trip' }) as HTMLButtonElement).disabled).toBe(false);
  });

  it('flags a typo once the typing pauses', () => {
    vi.useFakeTimers();
    render(<Form onRequest={async () => true} />);
    type('Dropoff', '52.5, 200');
    expect(screen.queryByRole('alert')).toBeNull();
    act(() => vi.advanceTimersByTime(1_000));
    expect(screen.getByRole('alert').textContent).toBe('Dropoff: Longitude must be between -180 and 180');
  });
});

describe('map clicks', () => {
  it('set the pickup, then the dropoff, then the pickup again', () => {
    const { result } = renderHook(() => useRequestDraft());
    expect(result.current.next).toBe('pickup');
    act(() => result.current.clickMap({ lat: 52.52, lng: 13.405 }));
    expect(result.current.pickupText).toBe('52.520000, 13.405000');
    expect(result.current.next).toBe('dropoff');
    act(() => result.current.clickMap({ lat: 52.5, lng: 13.37 }));
    expect(result.current.dropoffText).toBe('52.500000, 13.370000');
    expect(result.current.dropoff).toEqual({ lat: 52.5, lng: 13.37 });
    expect(result.current.next).toBe('pickup');
    expect(nextAfter('pickup')).toBe('dropoff');
  });

  it('default the pickup to the browser position when it has one', async () => {
    const getCurrentPosition = vi.fn((ok: PositionCallback) =>
      ok({ coords: { latitude: 48.8566, longitude: 2.3522, heading: null, speed: null } } as GeolocationPosition),
    );
    Object.defineProperty(navigator, 'geolocation', { value: { getCurrentPosition }, configurable: true });
    try {
      const { result } = renderHook(() => useRequestDraft());
      await waitFor(() => expect(result.current.pickupText).toBe('48.856600, 2.352200'));
      expect(result.current.next).toBe('dropoff');
    } finally {
      Reflect.deleteProperty(navigator, 'geolocation');
    }
  });
});
