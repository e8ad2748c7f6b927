// @vitest-environment jsdom
import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Notice } from '../../lib/trip-events.ts';
import { ToastRegion } from './toast-region.tsx';
import { MAX_TOASTS, TOAST_MS, useToasts } from './use-toasts.ts';

let push: (notice: Notice) => void = () => {};

function Harness() {
  const toasts = useToasts();
  push = toasts.push;
  return <ToastRegion toasts={toasts.toasts} onDismiss={toasts.dismiss} />;
}

beforeEach(() => vi.useFakeTimers());
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

describe('toasts', () => {
  it('shows events as status and errors as alert, in the Notifications container', () => {
    render(<Harness />);
    act(() => {
      push({ kind: 'status', text: 'Trip started' });
      push({ kind: 'alert', text: 'Could not cancel the trip: cancel needs status requested' });
    });
    const region = screen.getByLabelText('Notifications');
    expect(within(region).getByRole('status').textContent).toBe('Trip started');
    expect(within(region).getByRole('alert').textContent).toBe(
      'Could not cancel the trip: cancel needs status requested',
    );
  });

  it('dismisses itself after about 6 s', () => {
    render(<Harness />);
    act(() => push({ kind: 'status', text: 'Trip completed' }));
    act(() => vi.advanceTimersByTime(TOAST_MS - 1));
    expect(screen.queryByRole('status')).not.toBeNull();
    act(() => vi.advanceTimersByTime(1));
    expect(screen.queryByRole('status')).toBeNull();
    expect(TOAST_MS).toBe(6_000);
  });

  it('closes with its button', () => {
    render(<Harness />);
    act(() => push({ kind: 'status', text: 'Trip completed' }));
    fireEvent.click(within(screen.getByRole('status')).getByRole('button', { name: 'Close' }));
    expect(screen.queryByRole('status')).toBeNull();
  });

  it('does not stack the same message, and keeps at most a few', () => {
    render(<Harness />);
    act(() => {
      push({ kind: 'alert', text: 'Server error: too many messages' });
      push({ kind: 'alert', text: 'Server error: too many messages' });
    });
    expect(screen.getAllByRole('alert')).toHaveLength(1);
    act(() => {
      for (let i = 0; i < MAX_TOASTS + 3; i++) push({ kind: 'status', text: `event ${i}` });
    });
    expect(screen.queryAllByRole('status').length + screen.queryAllByRole('alert').length).toBe(MAX_TOASTS);
    expect(screen.getAllByRole('status').at(-1)?.textContent).toBe(`event ${MAX_TOASTS + 2}`);
  });
});
