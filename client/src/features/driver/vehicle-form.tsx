// "Vehicle": the driver registers (or changes) the car offers are matched
// on. Make, model, colour, plate, class (one of `GET /api/fares`) and seats;
// the server checks them and names the field at fault, which is shown on
// that field (`aria-invalid` and a `role="alert"` message beside it).

import { useEffect, useId, useState, type FormEvent } from 'react';
import { ApiError, errorText } from '../../lib/api.ts';
import type { Vehicle } from '../../lib/ride-protocol.ts';
import { fieldError, type DriverApi } from './driver-api.ts';

export const VEHICLE_FIELDS = ['make', 'model', 'colour', 'plate', 'class', 'seats'] as const;
export type VehicleField = (typeof VEHICLE_FIELDS)[number];

const LABEL: Record<VehicleField, string> = {
  make: 'Make',
  model: 'Model',
  colour: 'Colour',
  plate: 'Plate',
  class: 'Class',
  seats: 'Seats',
};

type Draft = Record<VehicleField, string>;

const EMPTY: Draft = { make: '', model: '', colour: '', plate: '', class: '', seats: '4' };

function draftOf(v: Vehicle): Draft {
  return { make: v.make, model: v.model, colour: v.colour, plate: v.plate, class: v.class, seats: String(v.seats) };
}

/** "Silver Toyota Prius · B-HX 4821 · standard, 4 seats" */
export function vehicleText(v: Vehicle): string {
  const colour = v.colour.charAt(0).toUpperCase() + v.colour.slice(1);
  return `${colour} ${v.make} ${v.model} · ${v.plate} · ${v.class}, ${v.seats} seat${v.seats === 1 ? '' : 's'}`;
}

export interface VehicleFormProps {
  api: DriverApi;
  onSaved: (vehicle: Vehicle) => void;
  onSessionEnd: (message: string) => void;
}

export function VehiclePanel({ api, onSaved, onSessionEnd }: VehicleFormProps) {
  const id = useId();
  const [vehicle, setVehicle] = useState<Vehicle | null | undefined>(undefined);
  const [classes, setClasses] = useState<string[]>([]);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [errors, setErrors] = useState<Partial<Record<VehicleField, string>>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);

  useEffect(() => {
    let live = true;
    const fail = (e: unknown) => {
      if (!live) return;
      if (e instanceof ApiError && e.sessionEnded) onSessionEnd(e.message);
      setFormError(errorText(e));
    };
    api.vehicle().then((v) => {
      if (!live) return;
      setVehicle(v);
      if (v !== null) setDraft(draftOf(v));
    }, fail);
    api.fares().then((f) => {
      if (!live) return;
      const names = f.classes.map((c) => c.class);
      setClasses(names);
      setDraft((d) => (d.class === '' && names[0] !== undefined ? { ...d, class: names[0] } : d));
    }, fail);
    return () => {
      live = false;
    };
  }, [api, onSessionEnd]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setErrors({});
    setFormError(null);
    const seats = Number(draft.seats);
    if (draft.seats.trim() === '' || !Number.isInteger(seats)) {
      setErrors({ seats: 'seats: a whole number, 1 to 8' });
      return;
    }
    setSaving(true);
    try {
      const saved = await api.putVehicle({
        make: draft.make,
        model: draft.model,
        colour: draft.colour,
        plate: draft.plate,
        class: draft.class,
        seats,
      });
      setVehicle(saved);
      setDraft(draftOf(saved));
      setEditing(false);
      onSaved(saved);
    } catch (e) {
      if (e instanceof ApiError && e.sessionEnded) onSessionEnd(e.message);
      const at = e instanceof ApiError ? fieldError(e.message, VEHICLE_FIELDS) : null;
      if (at !== null) setErrors({ [at.field]: e instanceof Error ? e.message : at.text });
      else setFormError(errorText(e));
    } finally {
      setSaving(false);
    }
  };

  const showForm = editing || vehicle === null;
  return (
    <section className="panel vehicle" aria-label="Vehicle">
      <h2>Vehicle</h2>
      {vehicle === undefined && formError === null && <p className="muted">Loading your vehicle…</p>}
      {vehicle !== undefined && vehicle !== null && !editing && (
        <>
          <p aria-label="Registered vehicle">{vehicleText(vehicle)}</p>
          <button type="button" onClick={() => setEditing(true)}>
            Edit vehicle
          </button>
        </>
      )}
      {vehicle === null && !editing && <p className="muted">Register your car to receive offers of its class.</p>}
      {showForm && vehicle !== undefined && (
        <form className="vehicle__form" onSubmit={(e) => void submit(e)} noValidate>
          {VEHICLE_FIELDS.map((field) => {
            const error = errors[field];
            const inputId = `${id}-${field}`;
            const errorId = `${inputId}-error`;
            const common = {
              id: inputId,
              name: field,
              value: draft[field],
              'aria-invalid': error !== undefined ? ('true' as const) : undefined,
              'aria-describedby': error !== undefined ? errorId : undefined,
            };
            return (
              <div className="field" key={field}>
                <label htmlFor={inputId}>{LABEL[field]}</label>
                {field === 'class' ? (
                  <select {...common} onChange={(e) => setDraft({ ...draft, class: e.target.value })}>
                    {classes.length === 0 && <option value="">(loading)</option>}
                    {classes.map((c) => (
                      <option key={c} value={c}>
                        {c}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...common}
                    type={field === 'seats' ? 'number' : 'text'}
                    inputMode={field === 'seats' ? 'numeric' : undefined}
                    min={field === 'seats' ? 1 : undefined}
                    max={field === 'seats' ? 8 : undefined}
                    autoComplete="off"
                    onChange={(e) => setDraft({ ...draft, [field]: e.target.value })}
                  />
                )}
                {error !== undefined && (
                  <p className="error field__error" id={errorId} role="alert">
                    {error}
                  </p>
                )}
              </div>
            );
          })}
          <div className="actions">
            <button type="submit" className="primary" disabled={saving} aria-busy={saving}>
              Save vehicle
            </button>
            {vehicle !== null && (
              <button type="button" onClick={() => setEditing(false)}>
                Keep the vehicle
              </button>
            )}
          </div>
        </form>
      )}
      {formError !== null && (
        <p className="error" role="alert">
          {formError}
        </p>
      )}
    </section>
  );
}
