// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, renderHook, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Place } from '../../lib/protocol.ts';
import { RequestForm } from './request-form.tsx';
import { nextAfter, useRequestDraft, type RequestDraft } from './use-request-draft.ts';

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

  it('a dragged pin sets its point and leaves the next click target', () => {
    const { result } = renderHook(() => useRequestDraft());
    act(() => result.current.movePin('dropoff', { lat: 52.51, lng: 13.38 }));
    expect(result.current.dropoffText).toBe('52.510000, 13.380000');
    expect(result.current.next).toBe('pickup');
    act(() => result.current.movePin('pickup', { lat: 52.52, lng: 13.41 }));
    expect(result.current.pickup).toEqual({ lat: 52.52, lng: 13.41 });
  });
});

describe('Use my location', () => {
  function withGeolocation(getCurrentPosition: (ok: PositionCallback, fail: PositionErrorCallback) => void) {
    Object.defineProperty(navigator, 'geolocation', { value: { getCurrentPosition }, configurable: true });
  }

  it('says clearly when location is denied, and what to do instead', async () => {
    // The automatic attempt at start stays quiet; the button's failure is shown.
    withGeolocation((_ok, fail) =>
      fail({ code: 1, PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3, message: 'denied' } as GeolocationPositionError),
    );
    try {
      render(<Form onRequest={async () => true} />);
      await waitFor(() => expect((screen.getByRole('button', { name: 'Use my location' }) as HTMLButtonElement).disabled).toBe(false));
      expect(screen.queryByRole('alert')).toBeNull();
      fireEvent.click(screen.getByRole('button', { name: 'Use my location' }));
      const alert = await screen.findByRole('alert');
      expect(alert.textContent).toContain('Location access is not allowed');
      expect(alert.textContent).toContain('Tap the map');
    } finally {
      Reflect.deleteProperty(navigator, 'geolocation');
    }
  });

  it('sets the pickup from the position', async () => {
    let calls = 0;
    withGeolocation((ok, fail) => {
      calls += 1;
      if (calls === 1) fail({ code: 3, PERMISSION_DENIED: 1, POSITION_UNAVAILABLE: 2, TIMEOUT: 3, message: '' } as GeolocationPositionError);
      else ok({ coords: { latitude: 52.5, longitude: 13.4, heading: null, speed: null } } as GeolocationPosition);
    });
    try {
      render(<Form onRequest={async () => true} />);
      await waitFor(() => expect((screen.getByRole('button', { name: 'Use my location' }) as HTMLButtonElement).disabled).toBe(false));
      fireEvent.click(screen.getByRole('button', { name: 'Use my location' }));
      await waitFor(() => expect((screen.getByLabelText('Pickup') as HTMLInputElement).value).toBe('52.500000, 13.400000'));
      expect(screen.getByTestId('pickup-place').textContent).toBe('52.50000, 13.40000');
    } finally {
      Reflect.deleteProperty(navigator, 'geolocation');
    }
  });
});

describe('the form around the map', () => {
  it('keeps typed coordinates behind "Type coordinates", opened by an error', () => {
    render(<Form onRequest={async () => true} />);
    const details = screen.getByText('Type coordinates').closest('details')!;
    expect(details.open).toBe(false);
    fireEvent.click(screen.getByRole('button', { name: 'Request trip' }));
    expect(details.open).toBe(true);
  });

  it('waits for the prices: the button is disabled and nothing is sent', () => {
    const onRequest = vi.fn(async () => true);
    render(<RequestForm draft={{ ...stubDraft() }} onRequest={onRequest} waiting />);
    const button = screen.getByRole('button', { name: 'Request trip' }) as HTMLButtonElement;
    expect(button.disabled).toBe(true);
    fireEvent.submit(button.closest('form')!);
    expect(onRequest).not.toHaveBeenCalled();
  });
});

function stubDraft(): RequestDraft {
  return {
    pickupText: '52.52, 13.405',
    dropoffText: '52.5, 13.37',
    pickupAddress: '',
    dropoffAddress: '',
    next: 'pickup',
    pickup: { lat: 52.52, lng: 13.405 },
    dropoff: { lat: 52.5, lng: 13.37 },
    locating: false,
    setText: () => {},
    setAddress: () => {},
    setNext: () => {},
    clickMap: () => {},
    clearDropoff: () => {},
    movePin: () => {},
    locate: () => {},
    locateError: null,
  };
}
