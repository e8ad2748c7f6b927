import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AA_TEXT, contrastRatio, luminance, parseHex } from './contrast.ts';

const css = readFileSync(new URL('../app/app.css', import.meta.url), 'utf8');

function variable(name: string): string {
  const m = new RegExp(`--${name}:\\s*(#[0-9a-fA-F]{3,6})\\s*;`).exec(css);
  if (m === null || m[1] === undefined) throw new Error(`--${name} not in app.css`);
  return m[1];
}

describe('contrast', () => {
  it('computes the WCAG figures', () => {
    expect(parseHex('#fff')).toEqual([255, 255, 255]);
    expect(luminance('#000000')).toBe(0);
    expect(luminance('#ffffff')).toBe(1);
    expect(contrastRatio('#000', '#fff')).toBe(21);
    expect(contrastRatio('#fff', '#000')).toBe(21);
    expect(contrastRatio('#777777', '#ffffff')).toBeCloseTo(4.48, 2);
    expect(() => parseHex('orange')).toThrow();
  });

  it('the old warning colour failed AA on white', () => {
    expect(contrastRatio('#b26a00', '#ffffff')).toBeLessThan(AA_TEXT);
  });

  // Where app.css puts warning text: panels, the page, the badge, the
  // "searching" outcome and the stale-stream notice (#fff3e0).
  it.each(['#ffffff', variable('bg'), variable('panel'), '#fff3e0'])('--warn meets AA 4.5:1 on %s', (background) => {
    expect(contrastRatio(variable('warn'), background)).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it.each(['muted', 'danger', 'ok'])('--%s meets AA on the panels and the page', (name) => {
    expect(contrastRatio(variable(name), variable('panel'))).toBeGreaterThanOrEqual(AA_TEXT);
    expect(contrastRatio(variable(name), variable('bg'))).toBeGreaterThanOrEqual(AA_TEXT);
  });

  it('--accent links meet AA on the panels', () => {
    expect(contrastRatio(variable('accent'), variable('panel'))).toBeGreaterThanOrEqual(AA_TEXT);
  });
});
