// Cancelling as a rider (pure): the rider's reasons (`trip.cancel`'s
// `code`), what the form accepts, and whether a fee applies now (the fare
// table's rule: a rider cancelling more than `cancel_grace_s` after a driver
// accepted pays `cancel_fee`; before acceptance or within the grace, nothing).

import { MAX_REASON_CHARS, type Trip } from '../../lib/protocol.ts';
import type { CancelReason, FaresResponse, Money } from '../../lib/ride-protocol.ts';

export type RiderCancelReason = Extract<
  CancelReason,
  'changed_plans' | 'driver_too_far' | 'wait_too_long' | 'wrong_pickup' | 'other'
>;

/** The rider's reasons in display order (the server's list for the rider role). */
export const RIDER_CANCEL_REASONS: readonly RiderCancelReason[] = [
  'changed_plans',
  'driver_too_far',
  'wait_too_long',
  'wrong_pickup',
  'other',
];

/** Every reason in words (the driver's too: a trip shows whoever cancelled). */
export const CANCEL_REASON_TEXT: Record<CancelReason, string> = {
  changed_plans: 'My plans changed',
  driver_too_far: 'The driver is too far away',
  wait_too_long: 'The wait is too long',
  wrong_pickup: 'Wrong pickup place',
  rider_no_show: 'The rider did not show up',
  rider_asked: 'The rider asked to cancel',
  unsafe_pickup: 'The pickup was unsafe',
  vehicle_issue: 'A problem with the vehicle',
  other: 'Other',
};

export type CancelChoice =
  | { ok: true; code: RiderCancelReason; reason?: string }
  | { ok: false; error: string };

/** The form's choice as a `trip.cancel` code and reason, or what is missing. */
export function cancelChoice(code: RiderCancelReason | null, note: string): CancelChoice {
  if (code === null) return { ok: false, error: 'Choose a reason.' };
  const text = note.trim();
  if (code === 'other' && text === '') return { ok: false, error: 'Say in a few words why you cancel.' };
  if (text.length > MAX_REASON_CHARS) return { ok: false, error: `The note is too long (at most ${MAX_REASON_CHARS} characters).` };
  // The server refuses control characters in a reason (C0 and DEL).
  if (/[\u0000-\u001f\u007f]/.test(text)) return { ok: false, error: 'The note cannot contain control characters.' };
  return text === '' ? { ok: true, code } : { ok: true, code, reason: text };
}

export type CancelFeeRule =
  /** No driver yet, or no fare table: cancelling is free. */
  | { kind: 'free' }
  /** Free for `seconds` more, then `fee`. */
  | { kind: 'grace'; seconds: number; fee: Money }
  | { kind: 'fee'; fee: Money };

/** What cancelling `trip` at server time `serverNowMs` costs the rider. */
export function cancelFeeRule(
  trip: Pick<Trip, 'accepted_at'>,
  fares: Pick<FaresResponse, 'cancel_grace_s' | 'cancel_fee'> | null,
  serverNowMs: number,
): CancelFeeRule {
  if (fares === null || trip.accepted_at === undefined || fares.cancel_fee.amount <= 0) return { kind: 'free' };
  const acceptedMs = Date.parse(trip.accepted_at);
  if (!Number.isFinite(acceptedMs)) return { kind: 'free' };
  const left = acceptedMs + fares.cancel_grace_s * 1000 - serverNowMs;
  // Exactly at the end of the grace period it is still free (pricing.md).
  if (left >= 0) return { kind: 'grace', seconds: Math.floor(left / 1000), fee: fares.cancel_fee };
  return { kind: 'fee', fee: fares.cancel_fee };
}
