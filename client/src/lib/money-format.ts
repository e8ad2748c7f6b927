// Money as riders and drivers read it. The wire counts integer minor units of an
// ISO 4217 currency (`1240` EUR is 12.40 EUR); the text is built from the
// integer, so no float ever rounds a cent away.

/** How many minor units a currency has (EUR 2, JPY 0); 2 when the browser does not know it. */
export function minorDigits(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** `formatMoney(1240, 'EUR')` is "€12.40"; negative amounts get a minus, an unknown code stands after the number. */
export function formatMoney(amount: number, currency: string): string {
  const digits = minorDigits(currency);
  const negative = amount < 0;
  const units = BigInt(Math.abs(Math.trunc(amount)));
  const scale = 10n ** BigInt(digits);
  const whole = units / scale;
  const fraction = (units % scale).toString().padStart(digits, '0');
  const number = `${whole.toLocaleString('en')}${digits > 0 ? `.${fraction}` : ''}`;
  const symbol = currencySymbol(currency);
  const text = symbol === null ? `${number} ${currency}` : `${symbol}${number}`;
  return negative ? `−${text}` : text;
}

function currencySymbol(currency: string): string | null {
  try {
    const parts = new Intl.NumberFormat('en', { style: 'currency', currency, currencyDisplay: 'narrowSymbol' }).formatToParts(0);
    const symbol = parts.find((p) => p.type === 'currency')?.value;
    // Intl echoes a code it has no symbol for ("XYZ"): write that after the number.
    return symbol === undefined || symbol === currency ? null : symbol;
  } catch {
    return null;
  }
}

/** A multiplier in basis points as text: 12500 is "1.25×", 10000 "1×". */
export function formatMultiplier(bp: number): string {
  const value = (bp / 10_000).toFixed(2).replace(/\.?0+$/, '');
  return `${value}×`;
}
