// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { driverIcon, driverMarkerHtml, fleetDotHtml, fleetDotIcon, pinIcon } from './markers.ts';

function element(html: string): HTMLElement {
  const host = document.createElement('div');
  host.innerHTML = html;
  return host.firstElementChild as HTMLElement;
}

describe('driver marker', () => {
  it('carries the test id and the latest position at full precision', () => {
    const el = element(driverMarkerHtml({ lat: 52.52012625381175, lng: 13.405210423019588 }, 45));
    expect(el.dataset.testid).toBe('driver-marker');
    expect(el.dataset.lat).toBe('52.52012625381175');
    expect(el.dataset.lng).toBe('13.405210423019588');
    expect(el.innerHTML).toContain('rotate(45deg)');
  });

  it('is a divIcon (no image needed)', () => {
    const icon = driverIcon({ lat: 1, lng: 2 });
    expect(icon.options.html).toContain('data-lat="1"');
    expect(icon.options.html).not.toContain('rotate');
  });
});

describe('pins', () => {
  it('are made once per kind', () => {
    expect(pinIcon('pickup')).toBe(pinIcon('pickup'));
    expect(String(pinIcon('dropoff').options.html)).toContain('data-testid="dropoff-marker"');
  });
});

describe('fleet dots', () => {
  it('carry their test id and position', () => {
    const el = element(fleetDotHtml('monitor-driver', { lat: 52.5219, lng: 13.4132 }));
    expect(el.dataset.testid).toBe('monitor-driver');
    expect(el.dataset.lat).toBe('52.5219');
    expect(String(fleetDotIcon('monitor-trip-driver', { lat: 1, lng: 2 }).options.html)).toContain(
      'data-testid="monitor-trip-driver"',
    );
  });
});
