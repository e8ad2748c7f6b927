// The rider's cancel form inside "Trip status": a reason (the rider's
// list; "Other" asks for a note), what cancelling costs right now, and
// "Confirm cancellation" / "Keep trip".

import { useId, useState, type FormEvent } from 'react';
import { MAX_REASON_CHARS } from '../../lib/protocol.ts';
import { formatEta } from './eta.ts';
import { formatMoney } from '../../lib/money-format.ts';
import {
  CANCEL_REASON_TEXT,
  RIDER_CANCEL_REASONS,
  cancelChoice,
  type CancelFeeRule,
  type RiderCancelReason,
} from './cancel-reasons.ts';

export interface CancelFormProps {
  fee: CancelFeeRule;
  busy: boolean;
  onConfirm: (code: RiderCancelReason, reason: string | undefined) => void;
  onKeep: () => void;
}

export function CancelForm({ fee, busy, onConfirm, onKeep }: CancelFormProps) {
  const id = useId();
  const [code, setCode] = useState<RiderCancelReason | null>(null);
  const [note, setNote] = useState('');
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const choice = cancelChoice(code, note);
    if (!choice.ok) {
      setError(choice.error);
      return;
    }
    setError(null);
    onConfirm(choice.code, choice.reason);
  };

  return (
    <form className="cancel-form" aria-labelledby={`${id}-legend`} onSubmit={submit} noValidate>
      <fieldset>
        <legend id={`${id}-legend`}>Why do you cancel?</legend>
        {RIDER_CANCEL_REASONS.map((reason) => (
          <label key={reason} className="cancel-form__reason">
            <input
              type="radio"
              name={`${id}-reason`}
              value={reason}
              checked={code === reason}
              onChange={() => {
                setCode(reason);
                setError(null);
              }}
            />
            {CANCEL_REASON_TEXT[reason]}
          </label>
        ))}
      </fieldset>
      {code === 'other' && (
        <div className="field">
          <label htmlFor={`${id}-note`}>Note</label>
          <textarea
            id={`${id}-note`}
            rows={2}
            maxLength={MAX_REASON_CHARS}
            value={note}
            onChange={(e) => {
              setNote(e.target.value);
              setError(null);
            }}
          />
        </div>
      )}
      <p className={`cancel-form__fee${fee.kind === 'fee' ? ' cancel-form__fee--due' : ''}`} aria-label="Cancellation fee">
        {feeText(fee)}
      </p>
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="danger" disabled={busy} aria-busy={busy}>
          Confirm cancellation
        </button>
        <button type="button" onClick={onKeep} disabled={busy}>
          Keep trip
        </button>
      </div>
    </form>
  );
}

export function feeText(fee: CancelFeeRule): string {
  switch (fee.kind) {
    case 'free':
      return 'Cancelling is free.';
    case 'grace':
      return `Free to cancel for ${formatEta(fee.seconds)} more; after that it costs ${formatMoney(fee.fee.amount, fee.fee.currency)}.`;
    case 'fee':
      return `Cancelling now costs ${formatMoney(fee.fee.amount, fee.fee.currency)}: your driver accepted more than the free period ago.`;
  }
}
