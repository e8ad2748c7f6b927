import { describe, expect, it } from 'vitest';
import { formatMoney, formatMultiplier, minorDigits } from './money-format.ts';

describe('formatMoney', () => {
  it.each([
    [1240, 'EUR', '€12.40'],
    [1332, 'EUR', '€13.32'],
    [5, 'EUR', '€0.05'],
    [0, 'EUR', '€0.00'],
    [300, 'EUR', '€3.00'],
    [123456789, 'EUR', '€1,234,567.89'],
    [999, 'USD', '$9.99'],
    [1250, 'GBP', '£12.50'],
    [1250, 'JPY', '¥1,250'],
    [-250, 'EUR', '−€2.50'],
  ])('%d %s is %j', (amount, currency, text) => {
    expect(formatMoney(amount, currency)).toBe(text);
  });

  it('writes a code it has no symbol for after the number', () => {
    expect(formatMoney(1240, 'XYZ')).toBe('12.40 XYZ');
  });

  it('never loses a minor unit to floating point', () => {
    // 0.1 + 0.2 style trouble: 1005 minor units stay 10.05.
    expect(formatMoney(1005, 'EUR')).toBe('€10.05');
    expect(formatMoney(Number.MAX_SAFE_INTEGER, 'EUR')).toBe('€90,071,992,547,409.91');
  });

  it('knows the minor digits of a currency', () => {
    expect(minorDigits('EUR')).toBe(2);
    expect(minorDigits('JPY')).toBe(0);
    expect(minorDigits('not a code')).toBe(2);
  });
});

describe('formatMultiplier', () => {
  it.each([
    [10000, '1×'],
    [12500, '1.25×'],
    [15000, '1.5×'],
    [20000, '2×'],
    [11234, '1.12×'],
  ])('%d bp is %j', (bp, text) => {
    expect(formatMultiplier(bp)).toBe(text);
  });
});
