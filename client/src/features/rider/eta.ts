// The driver's live ETA as the rider sees it. Each `driver.location` carries
// `eta_s` (seconds to the pickup, or to the dropoff once on the trip) as of
// the fix's `at`; between two fixes the display counts down on the server's
// clock, and the next fix corrects it.

import type { EtaTarget } from '../../lib/protocol.ts';

export interface EtaFix {
  /** Seconds to `eta_to` when the fix was taken. */
  eta_s?: number | undefined;
  eta_to?: EtaTarget | undefined;
  /** The fix's time (server clock, RFC 3339). */
  at: string;
}

/** Seconds left at local time `nowMs` (whole, never negative), or null without an ETA. */
export function etaSecondsLeft(fix: EtaFix | null, nowMs: number, clockOffsetMs: number): number | null {
  if (fix === null || fix.eta_s === undefined) return null;
  const fixMs = Date.parse(fix.at);
  // A fix stamped a little ahead of our idea of the server clock counts as now.
  const elapsedS = Number.isFinite(fixMs) ? Math.max(0, (nowMs + clockOffsetMs - fixMs) / 1000) : 0;
  return Math.max(0, Math.ceil(fix.eta_s - elapsedS));
}

/** "45 s", "3 min 05 s", "1 h 02 min"; "less than a minute" is left to the caller. */
export function formatEta(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) {
    const min = Math.floor(s / 60);
    return `${min} min ${String(s % 60).padStart(2, '0')} s`;
  }
  const h = Math.floor(s / 3600);
  return `${h} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} min`;
}

/** The ETA line: "Arrives at the pickup in 3 min 05 s", "Arriving now" at zero. */
export function etaText(seconds: number, target: EtaTarget | undefined): string {
  const where = target === 'dropoff' ? 'At the dropoff' : 'At the pickup';
  if (seconds <= 0) return target === 'dropoff' ? 'Arriving at the dropoff now' : 'Arriving at the pickup now';
  return `${where} in ${formatEta(seconds)}`;
}
