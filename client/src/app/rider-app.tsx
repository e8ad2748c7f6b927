// The rider app (`/rider/`): log in or sign up as a rider, then request a
// trip, follow it live (status, driver, driver on the map), and look back at
// past trips and their tracks.

import { useCallback, useState } from 'react';
import { TripHistory } from '../features/history/trip-history.tsx';
import { useTripHistory } from '../features/history/use-trip-history.ts';
import { TripMap } from '../features/map/trip-map.tsx';
import { RequestForm } from '../features/rider/request-form.tsx';
import { TripStatusPanel } from '../features/rider/trip-status-panel.tsx';
import { useRequestDraft } from '../features/rider/use-request-draft.ts';
import type { Place } from '../lib/protocol.ts';
import { useLiveSession } from '../lib/use-live-session.ts';
import { AppHeader } from './app-header.tsx';
import { AppShell, type HomeProps } from './app-shell.tsx';
import { ConnectionBadge } from './connection-badge.tsx';

export function RiderApp() {
  return <AppShell role="rider" title="Hail: rider" Home={RiderHome} />;
}

function RiderHome({ auth, user, toasts }: HomeProps) {
  const { logout } = auth;
  const live = useLiveSession({
    tokens: auth.tokens,
    api: auth.api,
    role: 'rider',
    onNotice: toasts.push,
    onSessionEnd: logout,
  });
  const { state, command, dispatch } = live;
  const trip = state.trip;
  const draft = useRequestDraft();
  const [busy, setBusy] = useState(false);
  // History re-reads on every hello and every status change of the trip shown.
  const history = useTripHistory(auth.api, `${live.helloCount}:${trip?.id ?? ''}:${trip?.status ?? ''}`, logout);

  const request = useCallback(
    async (pickup: Place, dropoff: Place) => {
      const result = await command({ type: 'trip.request', pickup, dropoff }, 'Could not request the trip');
      if (result.ok) draft.clearDropoff();
      return result.ok;
    },
    [command, draft],
  );

  const cancel = useCallback(async () => {
    if (trip === null) return;
    setBusy(true);
    await command({ type: 'trip.cancel', trip_id: trip.id }, 'Could not cancel the trip');
    setBusy(false);
  }, [command, trip]);

  const newTrip = useCallback(() => dispatch({ type: 'trip.dismissed' }), [dispatch]);

  const selectedTrack = history.track.state === 'ready' ? history.track.points : null;
  const pickup = trip?.pickup ?? draft.pickup;
  const dropoff = trip?.dropoff ?? draft.dropoff;
  const driver = trip !== null && state.driverPosition !== null ? state.driverPosition : null;

  return (
    <div className="app">
      <AppHeader
        title="Rider"
        userName={user.name}
        badge={<ConnectionBadge connection={live.connection} changedAt={live.connectionChangedAt} />}
        onLogout={() => logout()}
      />
      <main className="layout">
        <div className="layout__side">
          {trip === null ? (
            <RequestForm draft={draft} onRequest={request} />
          ) : (
            <TripStatusPanel
              trip={trip}
              driverPosition={state.driverPosition}
              busy={busy}
              onCancel={() => void cancel()}
              onNewTrip={newTrip}
            />
          )}
          <TripHistory history={history} viewer="rider" />
        </div>
        <div className="layout__map">
          <TripMap
            pickup={pickup}
            dropoff={dropoff}
            driver={driver}
            trail={trip !== null ? state.trail : []}
            track={selectedTrack}
            onMapClick={trip === null ? draft.clickMap : undefined}
            fitKey={`${trip?.id ?? 'draft'}:${trip?.status ?? ''}:${driver !== null}:${history.selectedId ?? ''}:${selectedTrack?.length ?? 0}`}
            softKey={`${pickup?.lat},${pickup?.lng}:${dropoff?.lat},${dropoff?.lng}:${driver?.lat},${driver?.lng}`}
            hint={trip === null ? `Click the map to set the ${draft.next}` : undefined}
          />
        </div>
      </main>
    </div>
  );
}
