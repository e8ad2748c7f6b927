// Money as people read it: `formatMoney(1332, 'EUR')` is "€13.32". The wire
// carries integer minor units (docs/pricing.md), so the amount is split into
// major and minor parts with integers, never scaled as a float, and only the
// result goes through `Intl` for the symbol and grouping.

/** How many minor digits `currency` has (EUR 2, JPY 0, KWD 3); 2 when unknown. */
export function minorDigits(currency: string): number {
  try {
    const digits = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions()
      .maximumFractionDigits;
    return digits ?? 2;
  } catch {
    return 2;
  }
}

/** `amount` minor units of `currency` (ISO 4217), e.g. "€13.32", "-€3.00", "¥500". */
export function formatMoney(amount: number, currency: string): string {
  if (!Number.isFinite(amount)) return `? ${currency}`;
  const digits = minorDigits(currency);
  const units = Math.round(amount);
  const scale = 10 ** digits;
  const abs = Math.abs(units);
  const major = Math.floor(abs / scale);
  const minor = abs - major * scale;
  // Exact decimal text, then a number Intl formats back to the same digits.
  const text = digits === 0 ? String(major) : `${major}.${String(minor).padStart(digits, '0')}`;
  const value = (units < 0 ? -1 : 1) * Number(text);
  try {
    return new Intl.NumberFormat('en', {
      style: 'currency',
      currency,
      minimumFractionDigits: digits,
      maximumFractionDigits: digits,
    }).format(value);
  } catch {
    // Not an ISO code Intl knows: the plain number and the code.
    return `${units < 0 ? '-' : ''}${text} ${currency}`;
  }
}
