// What an operator may do, as pure view logic: which actions a trip in a
// status offers, their paths, labels and confirm questions, and how an
// audit entry reads. A viewer (or a role not known yet) gets no actions.

import type { ActionKind, AuditEntry, MonitorRole } from '../../lib/operator-protocol.ts';
import type { TripStatus } from '../../lib/protocol.ts';

export type TripActionKind = 'cancel_trip' | 'redispatch';
export type UserActionKind = 'disconnect' | 'suspend' | 'unsuspend';

export type Action =
  | { kind: TripActionKind; tripId: string }
  | { kind: UserActionKind; userId: string }
  | { kind: 'drain_node'; nodeId: string };

/** A user's actions as their account is now: Suspend or Unsuspend, and Disconnect. */
export function userActions(suspended: boolean): UserActionKind[] {
  return [suspended ? 'unsuspend' : 'suspend', 'disconnect'];
}

/** What kind of thing an audit entry's target is, by its action. */
export function targetKind(action: ActionKind): 'trip' | 'user' | 'node' {
  switch (action) {
    case 'cancel_trip':
    case 'redispatch':
      return 'trip';
    case 'drain_node':
      return 'node';
    default:
      return 'user';
  }
}

/** The suspensions and lifts among a user's audit entries (newest first). */
export function suspensionHistory(entries: readonly AuditEntry[]): AuditEntry[] {
  return entries.filter((e) => (e.action === 'suspend' || e.action === 'unsuspend') && e.result === 'done');
}

/** Only operators act; `null` (the role is still loading) acts as a viewer. */
export function canAct(role: MonitorRole | null): boolean {
  return role === 'operator';
}

const ACTIVE: readonly TripStatus[] = ['requested', 'accepted', 'arrived', 'in_progress'];

/** The actions a trip in `status` offers to `role`, as the server allows them. */
export function tripActions(status: TripStatus, role: MonitorRole | null): TripActionKind[] {
  if (!canAct(role)) return [];
  const out: TripActionKind[] = [];
  if (ACTIVE.includes(status)) out.push('cancel_trip');
  if (status === 'expired' || status === 'requested') out.push('redispatch');
  return out;
}

export function actionPath(a: Action): string {
  const e = encodeURIComponent;
  switch (a.kind) {
    case 'cancel_trip':
      return `/api/monitor/actions/trips/${e(a.tripId)}/cancel`;
    case 'redispatch':
      return `/api/monitor/actions/trips/${e(a.tripId)}/redispatch`;
    case 'disconnect':
    case 'suspend':
    case 'unsuspend':
      return `/api/monitor/actions/users/${e(a.userId)}/${a.kind}`;
    case 'drain_node':
      return `/api/monitor/actions/nodes/${e(a.nodeId)}/drain`;
  }
}

export const ACTION_LABELS: Record<ActionKind, string> = {
  cancel_trip: 'Cancel trip',
  redispatch: 'Re-dispatch',
  disconnect: 'Disconnect',
  suspend: 'Suspend',
  unsuspend: 'Unsuspend',
  drain_node: 'Drain',
};

export function actionTarget(a: Action): string {
  switch (a.kind) {
    case 'cancel_trip':
    case 'redispatch':
      return a.tripId;
    case 'drain_node':
      return a.nodeId;
    default:
      return a.userId;
  }
}

/** The question the confirm step asks. */
export function confirmText(a: Action): string {
  switch (a.kind) {
    case 'cancel_trip':
      return 'Cancel this trip for rider and driver?';
    case 'redispatch':
      return 'Offer this trip to drivers again?';
    case 'disconnect':
      return "Close all of this user's sockets?";
    case 'suspend':
      return 'Suspend this user (no log-in, sockets closed, no offers)?';
    case 'unsuspend':
      return 'Lift this suspension?';
    case 'drain_node':
      return `Drain node ${a.nodeId} (it hands over and stops)?`;
  }
}

/** One line for an audit entry's outcome. */
export function resultText(entry: Pick<AuditEntry, 'result' | 'detail'>): string {
  const word = { done: 'done', unchanged: 'unchanged', refused: 'refused' }[entry.result];
  return entry.detail === undefined ? word : `${word}: ${entry.detail}`;
}
