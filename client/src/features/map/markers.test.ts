// @vitest-environment jsdom
import { describe, expect, it } from 'vitest';
import { ARROW_POINTS, driverIcon, driverMarkerHtml, fleetDotHtml, fleetDotIcon, headingRotation, pinIcon } from './markers.ts';

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

/** Where a point of the arrow lands on screen after `rotate(deg)` (y grows downward, as in CSS). */
function rotated([x, y]: readonly [number, number], deg: number): [number, number] {
  const r = (deg * Math.PI) / 180;
  return [x * Math.cos(r) - y * Math.sin(r), x * Math.sin(r) + y * Math.cos(r)];
}

/** Compass bearing of a screen vector: 0 north (up), 90 east (right). */
function bearingOf([x, y]: [number, number]): number {
  return (((Math.atan2(x, -y) * 180) / Math.PI) % 360 + 360) % 360;
}

describe('heading rotation', () => {
  it.each([
    [0, 0],
    [16, 16],
    [30, 30],
    [45, 45],
    [90, 90],
    [359.96, 0],
    [360, 0],
    [405, 45],
    [-90, 270],
    [-1, 359],
    [123.456, 123.5],
  ])('heading %d turns the arrow %d degrees clockwise', (heading, rotation) => {
    expect(headingRotation(heading)).toBe(rotation);
    expect(driverMarkerHtml({ lat: 0, lng: 0 }, heading)).toContain(`rotate(${rotation}deg)`);
  });

  it('has no arrow without a heading', () => {
    expect(headingRotation(undefined)).toBeNull();
    expect(headingRotation(Number.NaN)).toBeNull();
    expect(driverMarkerHtml({ lat: 0, lng: 0 })).not.toContain('hail-car__arrow');
  });

  it('points where the heading says at every whole degree, and nowhere else', () => {
    const [tip, ...rest] = ARROW_POINTS;
    if (tip === undefined) throw new Error('no tip');
    for (let heading = 0; heading < 360; heading += 1) {
      const turn = headingRotation(heading) ?? Number.NaN;
      const t = rotated(tip, turn);
      const off = Math.abs(((bearingOf(t) - heading + 540) % 360) - 180);
      expect(off, `heading ${heading}`).toBeLessThan(0.01);
      // The tip stands out: every other corner is much closer to the centre,
      // so no corner can pass for the tip (the old triangle failed this).
      for (const p of rest) {
        expect(Math.hypot(...rotated(p, turn)), `heading ${heading}`).toBeLessThan(Math.hypot(...t) * 0.95);
      }
    }
  });
});
