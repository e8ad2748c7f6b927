import { describe, expect, it } from 'vitest';
import { formatMoney, minorDigits } from './money.ts';

describe('formatMoney', () => {
  it.each([
    [1332, 'EUR', '€13.32'],
    [700, 'EUR', '€7.00'],
    [5, 'EUR', '€0.05'],
    [0, 'EUR', '€0.00'],
    [-300, 'EUR', '-€3.00'],
    [123456789, 'EUR', '€1,234,567.89'],
    [1999, 'USD', '$19.99'],
    [500, 'JPY', '¥500'],
    [1234, 'KWD', 'KWD 1.234'],
  ])('%d %s is %s', (amount, currency, text) => {
    // Intl may use a narrow no-break space after a code; compare with plain spaces.
    expect(formatMoney(amount, currency).replace(/\s/g, ' ')).toBe(text);
  });

  it('never loses a cent to floating point', () => {
    for (const amount of [1, 10, 29, 57, 110, 1005, 2049, 99999]) {
      const text = formatMoney(amount, 'EUR');
      expect(Math.round(Number(text.replace(/[^0-9.]/g, '')) * 100)).toBe(amount);
    }
  });

  it('falls back to the code for a currency Intl does not know', () => {
    expect(formatMoney(1250, 'XX')).toBe('12.50 XX');
    expect(formatMoney(-5, 'XX')).toBe('-0.05 XX');
    expect(minorDigits('XX')).toBe(2);
  });
});
