// A fare breakdown as a definition list: base, distance, time, surge, the
// minimum fare's top-up and the booking fee, then the total. Lines that are
// zero (no surge, no top-up) are left out. Used for quotes, the final fare
// and the receipt.

import { formatDistance } from '../../lib/distance.ts';
import type { FareBreakdown as Fare } from '../../lib/ride-protocol.ts';
import { formatEta } from './eta.ts';
import { formatMoney, formatMultiplier } from '../../lib/money-format.ts';

export interface FareLine {
  label: string;
  amount: number;
}

/** The lines of a breakdown in display order, the total last (pure, for tests). */
export function fareLines(fare: Fare): FareLine[] {
  const lines: FareLine[] = [
    { label: 'Base fare', amount: fare.base },
    { label: `Distance (${formatDistance(fare.distance_m)})`, amount: fare.distance },
    { label: `Time (${formatEta(fare.duration_s)})`, amount: fare.time },
  ];
  if (fare.surge !== 0 || fare.surge_bp > 10_000) {
    lines.push({ label: `Surge (${formatMultiplier(fare.surge_bp)})`, amount: fare.surge });
  }
  if (fare.minimum_adjustment !== 0) lines.push({ label: 'Minimum fare top-up', amount: fare.minimum_adjustment });
  lines.push({ label: 'Booking fee', amount: fare.booking_fee });
  lines.push({ label: 'Total', amount: fare.total });
  return lines;
}

export function FareBreakdown({ fare, label }: { fare: Fare; label: string }) {
  const lines = fareLines(fare);
  return (
    <dl className="fare" aria-label={label}>
      {lines.map((line) => (
        <div key={line.label} className={line.label === 'Total' ? 'fare__line fare__line--total' : 'fare__line'}>
          <dt>{line.label}</dt>
          <dd>{formatMoney(line.amount, fare.currency)}</dd>
        </div>
      ))}
    </dl>
  );
}
