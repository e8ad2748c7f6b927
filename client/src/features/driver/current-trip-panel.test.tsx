// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TripStatus } from '../../lib/protocol.ts';
import { trip } from '../../test/trips.ts';
import { CurrentTripPanel } from './current-trip-panel.tsx';

afterEach(cleanup);

function show(status: TripStatus | null) {
  const onAction = vi.fn();
  render(
    <CurrentTripPanel
      trip={status === null ? null : trip(status)}
      car={{ lat: 52.52, lng: 13.405 }}
      online
      busy={false}
      onAction={onAction}
      onDismiss={() => {}}
    />,
  );
  const region = screen.getByRole('region', { name: 'Current trip' });
  const buttons = within(region)
    .queryAllByRole('button')
    .map((b) => b.textContent);
  return { region, buttons, onAction };
}

describe('CurrentTripPanel', () => {
  it('says there is no trip', () => {
    expect(show(null).region.textContent).toContain('No current trip');
  });

  it.each([
    ['accepted', ['Arrived', 'Cancel trip']],
    ['arrived', ['Start trip', 'Cancel trip']],
    ['in_progress', ['Complete trip']],
    ['completed', ['Dismiss']],
    ['cancelled', ['Dismiss']],
  ] as const)('%s offers %j', (status, expected) => {
    const { buttons, region } = show(status);
    expect(buttons).toEqual(expected);
    expect(region.textContent).toContain('Ann');
  });

  it('sends the action of the button', () => {
    const { region, onAction } = show('arrived');
    fireEvent.click(within(region).getByRole('button', { name: 'Start trip' }));
    expect(onAction).toHaveBeenCalledWith('start');
  });
});
