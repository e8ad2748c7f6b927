// Going on and off duty, and the driving simulator switch.

import type { ReactNode } from 'react';
import { formatLatLng } from '../../lib/lat-lng.ts';
import type { Fix } from '../../lib/geolocation.ts';

export interface DutyControlsProps {
  online: boolean;
  connected: boolean;
  simulate: boolean;
  position: Fix | null;
  gpsError: string | null;
  moving: boolean;
  onToggleDuty: () => void;
  onSimulate: (on: boolean) => void;
  /** Today's earnings line, shown under the duty status. */
  earnings?: ReactNode;
}

export function DutyControls(props: DutyControlsProps) {
  const { online, connected, simulate, position, gpsError, moving } = props;
  return (
    <section className="panel duty" aria-labelledby="duty-title">
      <h2 id="duty-title">Duty</h2>
      <p className="status-line">
        <span className={`status ${online ? 'status--online' : 'status--offline'}`}>
          {online ? 'Online' : 'Offline'}
        </span>{' '}
        <span className="muted">
          {online
            ? connected
              ? 'You receive offers near you.'
              : 'You go back on duty as soon as the connection is back.'
            : 'You receive no offers.'}
        </span>
      </p>
      {props.earnings}
      <button type="button" className={online ? '' : 'primary'} onClick={props.onToggleDuty}>
        {online ? 'Go offline' : 'Go online'}
      </button>
      <label className="switch">
        <input type="checkbox" checked={simulate} onChange={(e) => props.onSimulate(e.target.checked)} />
        Simulate driving
      </label>
      <p className="hint">
        {simulate
          ? 'The car drives itself to the pickup, then the dropoff. Click the map to place it.'
          : 'Your position comes from this device’s GPS.'}
      </p>
      <p className="muted">
        Car: {position === null ? 'position unknown' : formatLatLng(position)}
        {simulate && moving ? ' (driving)' : ''}
      </p>
      {gpsError !== null && position === null && (
        <p className="warning">{gpsError}: turn on “Simulate driving” to drive without GPS.</p>
      )}
    </section>
  );
}
