// The request form: pickup and dropoff set on the map (a tap, or dragging
// the A and B pins), "Use my location" for the pickup, or typed as
// `lat, lng` behind "Type coordinates" (with the optional addresses); the
// ride options (`quotes`, from the app) and "Request trip". A bad position
// shows its message next to the field (aria-invalid + role="alert", the
// disclosure opens) and blocks nothing but the request itself.

import { useEffect, useId, useState, type FormEvent, type ReactNode } from 'react';
import { LAT_LNG_EXAMPLE, formatLatLng, parseLatLng } from '../../lib/lat-lng.ts';
import { MAX_ADDRESS_CHARS, type Place } from '../../lib/protocol.ts';
import type { PointKind, RequestDraft } from './use-request-draft.ts';

export interface RequestFormProps {
  draft: RequestDraft;
  /** Sends the request; resolves true when the server took it. */
  onRequest: (pickup: Place, dropoff: Place) => Promise<boolean>;
  /** The ride options for the places chosen, shown above the button. */
  quotes?: ReactNode;
  /** The prices for these places are on their way: the request waits for them. */
  waiting?: boolean;
}

/** A field's message shows once typing paused this long (or on submit). */
const SETTLE_MS = 600;

function useSettled(text: string): string {
  const [settled, setSettled] = useState(text);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(text), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [text]);
  return settled;
}

export function RequestForm({ draft, onRequest, quotes, waiting = false }: RequestFormProps) {
  const id = useId();
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [typing, setTyping] = useState(false);
  const settledPickup = useSettled(draft.pickupText);
  const settledDropoff = useSettled(draft.dropoffText);

  const fieldError = (text: string, settled: string): string | null => {
    // Empty fields complain only on submit; a typo once the typing pauses.
    if (submitted || (settled === text && text.trim() !== '')) {
      const result = parseLatLng(text);
      return result.ok ? null : result.error;
    }
    return null;
  };
  const pickupError = fieldError(draft.pickupText, settledPickup);
  const dropoffError = fieldError(draft.dropoffText, settledDropoff);

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setSubmitted(true);
    if (busy || waiting) return;
    const pickup = parseLatLng(draft.pickupText);
    const dropoff = parseLatLng(draft.dropoffText);
    if (!pickup.ok || !dropoff.ok) return;
    setBusy(true);
    const ok = await onRequest(
      place(pickup.position, draft.pickupAddress),
      place(dropoff.position, draft.dropoffAddress),
    );
    setBusy(false);
    if (ok) setSubmitted(false);
  };

  return (
    <section className="panel" aria-labelledby={`${id}-title`}>
      <h2 id={`${id}-title`}>Where to?</h2>
      <form className="request" onSubmit={submit} noValidate>
        <ul className="places" aria-label="Places">
          <PlaceRow kind="pickup" point={draft.pickup} address={draft.pickupAddress} />
          <PlaceRow kind="dropoff" point={draft.dropoff} address={draft.dropoffAddress} />
        </ul>
        <div className="locate">
          <button type="button" onClick={draft.locate} disabled={draft.locating} aria-busy={draft.locating}>
            Use my location
          </button>
          {draft.locating && <span className="hint">Finding your position…</span>}
        </div>
        {draft.locateError !== null && (
          <p role="alert" className="error">
            {draft.locateError}
          </p>
        )}
        <ClickTarget next={draft.next} onChange={draft.setNext} />
        <details
          className="typed"
          open={typing || pickupError !== null || dropoffError !== null}
          onToggle={(e) => setTyping(e.currentTarget.open)}
        >
          <summary>Type coordinates</summary>
          <PointField
            id={`${id}-pickup`}
            label="Pickup"
            value={draft.pickupText}
            error={pickupError}
            onChange={(text) => draft.setText('pickup', text)}
            note={draft.locating && draft.pickupText === '' ? 'Finding your position…' : undefined}
          />
          <AddressField
            label="Pickup address"
            value={draft.pickupAddress}
            onChange={(text) => draft.setAddress('pickup', text)}
          />
          <PointField
            id={`${id}-dropoff`}
            label="Dropoff"
            value={draft.dropoffText}
            error={dropoffError}
            onChange={(text) => draft.setText('dropoff', text)}
          />
          <AddressField
            label="Dropoff address"
            value={draft.dropoffAddress}
            onChange={(text) => draft.setAddress('dropoff', text)}
          />
        </details>
        {quotes}
        <button type="submit" className="primary" disabled={busy || waiting} aria-busy={busy || waiting}>
          Request trip
        </button>
      </form>
    </section>
  );
}

/** One chosen point as a line: its pin letter, name, address or position. */
function PlaceRow({ kind, point, address }: { kind: PointKind; point: { lat: number; lng: number } | null; address: string }) {
  const name = kind === 'pickup' ? 'Pickup' : 'Dropoff';
  const trimmed = address.trim();
  return (
    <li className="places__row">
      <span className={`legend legend--${kind}`} aria-hidden="true">
        {kind === 'pickup' ? 'A' : 'B'}
      </span>
      <span className="places__name">{name}</span>
      <span className={point === null ? 'places__value muted' : 'places__value'} data-testid={`${kind}-place`}>
        {point === null ? 'not set: tap the map' : trimmed !== '' ? trimmed : formatLatLng(point, 5)}
      </span>
    </li>
  );
}

function place(position: { lat: number; lng: number }, address: string): Place {
  const trimmed = address.trim();
  return trimmed === ''
    ? { lat: position.lat, lng: position.lng }
    : { lat: position.lat, lng: position.lng, address: trimmed };
}

interface PointFieldProps {
  id: string;
  label: string;
  value: string;
  error: string | null;
  onChange: (text: string) => void;
  note?: string | undefined;
}

function PointField({ id, label, value, error, onChange, note }: PointFieldProps) {
  const errorId = `${id}-error`;
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        type="text"
        inputMode="decimal"
        autoComplete="off"
        spellCheck={false}
        placeholder={LAT_LNG_EXAMPLE}
        value={value}
        aria-invalid={error !== null}
        aria-describedby={error !== null ? errorId : undefined}
        onChange={(e) => onChange(e.target.value)}
      />
      {note && <p className="hint">{note}</p>}
      {error !== null && (
        <p id={errorId} role="alert" className="error">
          {label}: {error}
        </p>
      )}
    </div>
  );
}

function AddressField({ label, value, onChange }: { label: string; value: string; onChange: (text: string) => void }) {
  const id = useId();
  // "(optional)" stays out of the label: the field's accessible name is exactly `label`.
  return (
    <div className="field field--optional">
      <label htmlFor={id}>{label}</label>
      <span className="muted" id={`${id}-note`}>
        optional
      </span>
      <input
        id={id}
        type="text"
        maxLength={MAX_ADDRESS_CHARS}
        aria-describedby={`${id}-note`}
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
    </div>
  );
}

/** Says (and lets the rider choose) which point the next map click sets. */
function ClickTarget({ next, onChange }: { next: PointKind; onChange: (kind: PointKind) => void }) {
  return (
    <div className="click-target">
      <p className="hint" aria-live="polite">
        Next map click sets the <strong>{next}</strong>.
      </p>
      <div role="group" aria-label="Map click sets" className="segmented">
        {(['pickup', 'dropoff'] as const).map((kind) => (
          <button key={kind} type="button" aria-pressed={next === kind} onClick={() => onChange(kind)}>
            {kind === 'pickup' ? 'Set pickup' : 'Set dropoff'}
          </button>
        ))}
      </div>
    </div>
  );
}
