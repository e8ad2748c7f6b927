// The operator's buttons: each asks to confirm in place ("Cancel trip" ->
// "Cancel this trip ...? Yes / No"), then calls the API and reports the
// audit entry's result. Nothing renders for a viewer.

import { useState, type FormEvent } from 'react';
import type { MonitorRole } from '../../lib/operator-protocol.ts';
import type { TripStatus } from '../../lib/protocol.ts';
import {
  ACTION_LABELS,
  canAct,
  confirmText,
  resultText,
  tripActions,
  userActions,
  type Action,
} from './operator-actions.ts';
import type { OperatorApi } from './operator-api.ts';

export interface ActionProps {
  api: OperatorApi;
  /** Called after each answered action (e.g. to reload the audit log). */
  onDone: () => void;
}

/** What an answered action said, shown beside its button. */
export interface Outcome {
  ok: boolean;
  text: string;
}

export function ActionButton({
  action,
  api,
  onDone,
  onOutcome,
}: ActionProps & { action: Action; onOutcome?: (outcome: Outcome) => void }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [own, setOwn] = useState<Outcome | null>(null);
  // A parent that outlives the button (its trip's actions) may keep it instead.
  const setOutcome = onOutcome ?? setOwn;
  const outcome = onOutcome === undefined ? own : null;
  const label = ACTION_LABELS[action.kind];

  async function run() {
    setBusy(true);
    try {
      const res = await api.act(action);
      setOutcome({ ok: true, text: `${label}: ${resultText(res.entry)}` });
    } catch (e) {
      setOutcome({ ok: false, text: `${label}: ${e instanceof Error ? e.message : String(e)}` });
    } finally {
      setBusy(false);
      setConfirming(false);
      onDone();
    }
  }

  return (
    <span className="operator-action">
      {confirming ? (
        <span role="group" aria-label={`Confirm ${label}`}>
          <span>{confirmText(action)}</span>{' '}
          <button type="button" className="small" disabled={busy} onClick={() => void run()}>
            Yes
          </button>{' '}
          <button type="button" className="small" disabled={busy} onClick={() => setConfirming(false)}>
            No
          </button>
        </span>
      ) : (
        <button type="button" className="small" onClick={() => setConfirming(true)}>
          {label}
        </button>
      )}
      {outcome !== null && (
        <span role="status" className={outcome.ok ? 'muted' : 'error'}>
          {' '}
          {outcome.text}
        </span>
      )}
    </span>
  );
}

/** Cancel trip / Re-dispatch for the trip shown, as its status allows. The
 *  last outcome stays when the new status leaves no button (a cancelled trip). */
export function TripActions({
  tripId,
  status,
  role,
  ...props
}: ActionProps & { tripId: string; status: TripStatus; role: MonitorRole | null }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const kinds = tripActions(status, role);
  if (kinds.length === 0 && outcome === null) return null;
  return (
    <div className="operator-actions" aria-label="Trip actions">
      {kinds.map((kind) => (
        <ActionButton key={kind} action={{ kind, tripId }} onOutcome={setOutcome} {...props} />
      ))}
      {outcome !== null && (
        <span role="status" className={outcome.ok ? 'muted' : 'error'}>
          {' '}
          {outcome.text}
        </span>
      )}
    </div>
  );
}

/** Drain on a node's page; the outcome stays once the node is down or gone
 *  and the button with it. */
export function NodeActions({
  nodeId,
  up,
  role,
  ...props
}: ActionProps & { nodeId: string; up: boolean; role: MonitorRole | null }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  if (!canAct(role) || (!up && outcome === null)) return null;
  return (
    <div className="operator-actions" aria-label="Node actions">
      {up && <ActionButton action={{ kind: 'drain_node', nodeId }} onOutcome={setOutcome} {...props} />}
      {outcome !== null && (
        <span role="status" className={outcome.ok ? 'muted' : 'error'}>
          {' '}
          {outcome.text}
        </span>
      )}
    </div>
  );
}

/** Drain, in the node's row. */
export function DrainButton({ nodeId, role, ...props }: ActionProps & { nodeId: string; role: MonitorRole | null }) {
  if (!canAct(role)) return null;
  return <ActionButton action={{ kind: 'drain_node', nodeId }} {...props} />;
}

/** Suspend or Unsuspend (as the account is now) and Disconnect, for the user
 *  whose page is open. The last outcome stays when the page, read again after
 *  the action, swaps Suspend for Unsuspend. */
export function UserActions({
  userId,
  suspended,
  role,
  ...props
}: ActionProps & { userId: string; suspended: boolean; role: MonitorRole | null }) {
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  if (!canAct(role)) return null;
  return (
    <div className="operator-actions" aria-label="User actions">
      {userActions(suspended).map((kind) => (
        <ActionButton key={`${kind}-${userId}`} action={{ kind, userId }} onOutcome={setOutcome} {...props} />
      ))}
      {outcome !== null && (
        <span role="status" className={outcome.ok ? 'muted' : 'error'}>
          {' '}
          {outcome.text}
        </span>
      )}
    </div>
  );
}

/** Opens a rider's or driver's page by id (users are not listed in the
 *  monitor; their ids show on trips and in the audit log). */
export function UserLookup({ onOpen }: { onOpen: (userId: string) => void }) {
  const [draft, setDraft] = useState('');
  function submit(e: FormEvent) {
    e.preventDefault();
    if (draft.trim() !== '') onOpen(draft.trim());
  }
  return (
    <section className="panel monitor__panel" aria-labelledby="monitor-users-title">
      <div className="panel__head">
        <h2 id="monitor-users-title">Users</h2>
      </div>
      <form onSubmit={submit}>
        <label>
          User id <input value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
        </label>{' '}
        <button type="submit" className="small">
          Open
        </button>
      </form>
    </section>
  );
}
