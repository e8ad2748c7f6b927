// The driver app (`/driver/`): log in or sign up as a driver, go on duty,
// send the car's position (GPS or the simulator), take offers, drive the
// trip through its statuses, and look back at past trips.

import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { env } from '../config/env.ts';
import { CurrentTripPanel } from '../features/driver/current-trip-panel.tsx';
import { simTarget } from '../features/driver/drive-step.ts';
import { createDriverApi } from '../features/driver/driver-api.ts';
import { DutyControls } from '../features/driver/duty-controls.tsx';
import {
  browserStore,
  dutyFromStorageEvent,
  readCar,
  readDuty,
  writeCar,
  writeDuty,
} from '../features/driver/duty-store.ts';
import { EarningsPanel } from '../features/driver/earnings-panel.tsx';
import { RateRider } from '../features/driver/rate-rider.tsx';
import { VehiclePanel } from '../features/driver/vehicle-form.tsx';
import { OfferList } from '../features/driver/offer-list.tsx';
import { useCarPosition } from '../features/driver/use-car-position.ts';
import { useLocationSender } from '../features/driver/use-location-sender.ts';
import { TripHistory } from '../features/history/trip-history.tsx';
import { useTripHistory } from '../features/history/use-trip-history.ts';
import { TripMap } from '../features/map/trip-map.tsx';
import type { Offer } from '../lib/trip-state.ts';
import { DRIVER_ACTION_COMMAND, isActive, type DriverAction } from '../lib/trip-status.ts';
import { commandErrorText, useLiveSession } from '../lib/use-live-session.ts';
import { WsRequestError, type WsClient } from '../lib/ws-client.ts';
import { AppHeader } from './app-header.tsx';
import { AppShell, type HomeProps } from './app-shell.tsx';
import { ConnectionBadge } from './connection-badge.tsx';

export function DriverApp() {
  return <AppShell role="driver" title="Hail: driver" Home={DriverHome} />;
}

/** Accepting failed for good with these: the offer is gone, drop its card. */
const OFFER_GONE = new Set(['trip_taken', 'conflict', 'forbidden', 'not_found']);

function DriverHome({ auth, user, toasts }: HomeProps) {
  const { logout } = auth;
  const logoutRef = useRef(logout);
  logoutRef.current = logout;
  const endSession = useCallback((message: string) => logoutRef.current(message), []);
  const driverApi = useMemo(() => createDriverApi(auth.api, auth.tokens, env.apiBaseUrl), [auth.api, auth.tokens]);
  // Duty is what the driver asked for; the server keeps it per connection, so
  // every hello (each reconnect) sends it again. It outlives a reload and is
  // shared by the driver's tabs (localStorage); the simulator's switch and
  // the car's position outlive a reload of this tab (sessionStorage).
  const localStore = useMemo(() => browserStore('local'), []);
  const sessionStore = useMemo(() => browserStore('session'), []);
  const [remembered] = useState(() => readCar(sessionStore, user.id));
  const [online, setOnline] = useState(() => readDuty(localStore, user.id));
  const onlineRef = useRef(online);
  onlineRef.current = online;
  const [simulate, setSimulate] = useState(remembered.simulate);
  const [pending, setPending] = useState<ReadonlySet<string>>(new Set());
  const [busy, setBusy] = useState(false);

  const restoreDuty = useCallback(
    (client: WsClient) => {
      if (!onlineRef.current) return;
      client.request({ type: 'driver.available', available: true }).catch((e: unknown) => {
        const text = e instanceof WsRequestError ? commandErrorText(e) : String(e);
        toasts.push({ kind: 'alert', text: `Could not go back online: ${text}` });
      });
    },
    [toasts],
  );

  const live = useLiveSession({
    tokens: auth.tokens,
    api: auth.api,
    role: 'driver',
    onNotice: toasts.push,
    onHello: restoreDuty,
    onSessionEnd: logout,
  });
  const { state, command, dispatch, client } = live;
  const trip = state.trip;
  const connected = live.connection.state === 'open';
  const onTrip = trip !== null && isActive(trip.status);

  const car = useCarPosition(simulate, simTarget(trip), remembered.simulate ? remembered.position : null);
  useLocationSender(client, connected, car.position, online || onTrip);
  useEffect(() => writeCar(sessionStore, user.id, { simulate, position: car.position }), [
    sessionStore,
    user.id,
    simulate,
    car.position,
  ]);

  // Another tab of this driver went on or off duty: follow it, and tell the
  // server on this tab's connection too (duty is per connection there).
  const liveRef = useRef({ command, connected });
  liveRef.current = { command, connected };
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      const next = dutyFromStorageEvent(event, user.id);
      if (next === null || next === onlineRef.current) return;
      setOnline(next);
      onlineRef.current = next;
      const { command: send, connected: open } = liveRef.current;
      if (open) void send({ type: 'driver.available', available: next }, next ? 'Could not go online' : 'Could not go offline');
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [user.id]);

  const historyKey = `${live.helloCount}:${trip?.id ?? ''}:${trip?.status ?? ''}`;
  const history = useTripHistory(auth.api, historyKey, logout);

  const toggleDuty = useCallback(async () => {
    const next = !onlineRef.current;
    setOnline(next);
    onlineRef.current = next;
    writeDuty(localStore, user.id, next);
    // Offline now: the next hello sends it (see restoreDuty).
    if (!connected) return;
    const result = await command(
      { type: 'driver.available', available: next },
      next ? 'Could not go online' : 'Could not go offline',
    );
    if (!result.ok && result.error.code !== 'not_connected' && result.error.code !== 'disconnected') {
      setOnline(!next);
      onlineRef.current = !next;
      writeDuty(localStore, user.id, !next);
    }
  }, [command, connected, localStore, user.id]);

  const markPending = (tripId: string, on: boolean) =>
    setPending((set) => {
      const next = new Set(set);
      if (on) next.add(tripId);
      else next.delete(tripId);
      return next;
    });

  const accept = useCallback(
    async (offer: Offer) => {
      markPending(offer.trip.id, true);
      const result = await command({ type: 'trip.accept', trip_id: offer.trip.id }, 'Could not accept the trip');
      markPending(offer.trip.id, false);
      if (!result.ok && OFFER_GONE.has(result.error.code)) dispatch({ type: 'offer.dismissed', tripId: offer.trip.id });
    },
    [command, dispatch],
  );

  const decline = useCallback(
    async (offer: Offer) => {
      dispatch({ type: 'offer.dismissed', tripId: offer.trip.id });
      await command({ type: 'trip.decline', trip_id: offer.trip.id }, 'Could not decline the trip');
    },
    [command, dispatch],
  );

  const act = useCallback(
    async (action: DriverAction) => {
      if (trip === null) return;
      setBusy(true);
      await command({ type: DRIVER_ACTION_COMMAND[action], trip_id: trip.id }, `Could not ${actionVerb(action)}`);
      setBusy(false);
    },
    [command, trip],
  );

  const shownOffer = trip === null ? (state.offers[0] ?? null) : null;
  const selectedTrack = history.track.state === 'ready' ? history.track.points : null;
  const pickup = trip?.pickup ?? shownOffer?.trip.pickup ?? null;
  const dropoff = trip?.dropoff ?? shownOffer?.trip.dropoff ?? null;

  return (
    <div className="app">
      <AppHeader
        title="Driver"
        userName={user.name}
        badge={<ConnectionBadge connection={live.connection} changedAt={live.connectionChangedAt} />}
        onLogout={() => {
          // Logging out ends the shift: the next log-in starts off duty (in every tab).
          writeDuty(localStore, user.id, false);
          logout();
        }}
      />
      <main className="layout layout--driver">
        <div className="layout__side">
          <DutyControls
            online={online}
            connected={connected}
            simulate={simulate}
            position={car.position}
            gpsError={car.gpsError}
            moving={car.moving}
            onToggleDuty={() => void toggleDuty()}
            onSimulate={setSimulate}
            earnings={<EarningsPanel api={driverApi} reloadKey={historyKey} onSessionEnd={endSession} />}
          />
          <OfferList
            offers={state.offers}
            clockOffsetMs={state.clockOffsetMs}
            online={online}
            pending={pending}
            onAccept={(offer) => void accept(offer)}
            onDecline={(offer) => void decline(offer)}
          />
          <CurrentTripPanel
            trip={trip}
            car={car.position}
            online={online}
            busy={busy}
            onAction={(action) => void act(action)}
            onDismiss={() => dispatch({ type: 'trip.dismissed' })}
          />
          {trip !== null && trip.status === 'completed' && (
            <RateRider key={trip.id} trip={trip} api={driverApi} onSessionEnd={endSession} />
          )}
          <TripHistory history={history} viewer="driver" />
          <VehiclePanel
            api={driverApi}
            onSaved={() => toasts.push({ kind: 'status', text: 'Vehicle saved' })}
            onSessionEnd={endSession}
          />
        </div>
        <div className="layout__map">
          <TripMap
            pickup={pickup}
            dropoff={dropoff}
            driver={car.position}
            track={selectedTrack}
            onMapClick={simulate ? car.place : undefined}
            fitKey={`${trip?.id ?? shownOffer?.trip.id ?? 'idle'}:${trip?.status ?? ''}:${car.position !== null}:${history.selectedId ?? ''}:${selectedTrack?.length ?? 0}`}
            softKey={`${car.position?.lat},${car.position?.lng}`}
            hint={simulate ? 'Click the map to place the car' : undefined}
          />
        </div>
      </main>
    </div>
  );
}

function actionVerb(action: DriverAction): string {
  switch (action) {
    case 'arrive':
      return 'mark the arrival';
    case 'start':
      return 'start the trip';
    case 'complete':
      return 'complete the trip';
    case 'cancel':
      return 'cancel the trip';
  }
}
