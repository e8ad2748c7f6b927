// @vitest-environment jsdom
import { cleanup, render } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { DispatchTimeline } from './dispatch-timeline.tsx';

afterEach(() => {
  cleanup();
  vi.restoreAllMocks();
});

describe('DispatchTimeline', () => {
  it('scrolls into view when opened, once per trip, not on every re-read', () => {
    const scroll = vi.fn();
    Element.prototype.scrollIntoView = scroll;
    const { rerender } = render(<DispatchTimeline tripId="t-1" detail={null} error={null} onClose={() => {}} />);
    expect(scroll).toHaveBeenCalledTimes(1);
    expect(scroll).toHaveBeenCalledWith({ block: 'start', behavior: 'smooth' });
    rerender(<DispatchTimeline tripId="t-1" detail={null} error="read failed" onClose={() => {}} />);
    expect(scroll).toHaveBeenCalledTimes(1);
    rerender(<DispatchTimeline tripId="t-2" detail={null} error={null} onClose={() => {}} />);
    expect(scroll).toHaveBeenCalledTimes(2);
  });
});
