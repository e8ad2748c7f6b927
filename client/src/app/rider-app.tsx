// The rider app (`/rider/`): log in or sign up as a rider, then choose the
// places on the map, see the prices per class, request a trip, follow it
// live (status, driver and vehicle, ETA, the car on the map), cancel with a
// reason, see the final fare and receipt, rate the driver, and look back at
// past trips and their tracks.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { TripHistory } from '../features/history/trip-history.tsx';
import { useTripHistory } from '../features/history/use-trip-history.ts';
import { TripMap } from '../features/map/trip-map.tsx';
import { cancelFeeRule, type RiderCancelReason } from '../features/rider/cancel-reasons.ts';
import { etaSecondsLeft } from '../features/rider/eta.ts';
import { QuotePicker } from '../features/rider/quote-picker.tsx';
import { isQuoteRejected, planRequest } from '../features/rider/quote-choice.ts';
import { RequestForm } from '../features/rider/request-form.tsx';
import { rideApi } from '../features/rider/ride-api.ts';
import { TripStatusPanel } from '../features/rider/trip-status-panel.tsx';
import { TripSummary } from '../features/rider/trip-summary.tsx';
import { useQuotes } from '../features/rider/use-quotes.ts';
import { useRequestDraft } from '../features/rider/use-request-draft.ts';
import type { Place, TripCancelMessage } from '../lib/protocol.ts';
import type { FaresResponse } from '../lib/ride-protocol.ts';
import { isActive } from '../lib/trip-status.ts';
import { useLiveSession } from '../lib/use-live-session.ts';
import { useNow } from '../lib/use-now.ts';
import { AppHeader } from './app-header.tsx';
import { AppShell, type HomeProps } from './app-shell.tsx';
import { ConnectionBadge } from './connection-badge.tsx';
import './rider.css';

export function RiderApp() {
  return <AppShell role="rider" title="Hail: rider" Home={RiderHome} />;
}

const EXPIRED_NOTICE = 'Your quote expired, so the prices were renewed: check them and request again.';

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
  const ride = useMemo(() => rideApi(auth.api), [auth.api]);
  const [busy, setBusy] = useState(false);
  const [chosenClass, setChosenClass] = useState<string | null>(null);
  const [quoteNotice, setQuoteNotice] = useState<string | null>(null);
  const [fares, setFares] = useState<FaresResponse | null>(null);
  // History re-reads on every hello and every status change of the trip shown.
  const history = useTripHistory(auth.api, `${live.helloCount}:${trip?.id ?? ''}:${trip?.status ?? ''}`, logout);
  const quotes = useQuotes(
    ride,
    trip === null ? draft.pickup : null,
    trip === null ? draft.dropoff : null,
    state.clockOffsetMs,
  );
  const active = trip !== null && isActive(trip.status);
  const now = useNow(1_000, active);
  const serverNow = now + state.clockOffsetMs;

  // The fare table's cancellation rule (public, fixed while the server runs).
  useEffect(() => {
    let live = true;
    ride.fares().then(
      (f) => live && setFares(f),
      () => {
        // Without it the cancel form cannot say what a cancel costs; the trip's cancel_fee still shows after.
      },
    );
    return () => {
      live = false;
    };
  }, [ride]);

  const request = useCallback(
    async (pickup: Place, dropoff: Place) => {
      const plan = planRequest(
        pickup,
        dropoff,
        quotes.status === 'ready' ? quotes.quotes : null,
        chosenClass,
        Date.now() + state.clockOffsetMs,
      );
      if (plan.kind === 'expired') {
        quotes.refresh();
        setQuoteNotice(EXPIRED_NOTICE);
        return false;
      }
      const message = plan.message;
      const result = await command(message, 'Could not request the trip');
      if (result.ok) {
        draft.clearDropoff();
        setQuoteNotice(null);
      } else if (isQuoteRejected(result.error)) {
        quotes.refresh();
        setQuoteNotice(EXPIRED_NOTICE);
      }
      return result.ok;
    },
    [command, draft, quotes, chosenClass, state.clockOffsetMs],
  );

  const cancel = useCallback(
    async (code: RiderCancelReason, reason: string | undefined) => {
      if (trip === null) return;
      setBusy(true);
      const message: TripCancelMessage = { type: 'trip.cancel', trip_id: trip.id, code };
      if (reason !== undefined) message.reason = reason;
      await command(message, 'Could not cancel the trip');
      setBusy(false);
    },
    [command, trip],
  );

  const newTrip = useCallback(() => {
    dispatch({ type: 'trip.dismissed' });
    // The last trip's pickup label belongs to where the rider was then.
    draft.setAddress('pickup', '');
  }, [dispatch, draft]);

  const selectedTrack = history.track.state === 'ready' ? history.track.points : null;
  const pickup = trip?.pickup ?? draft.pickup;
  const dropoff = trip?.dropoff ?? draft.dropoff;
  const driver = trip !== null && state.driverPosition !== null ? state.driverPosition : null;
  const ended = trip !== null && !active;

  return (
    <div className="app app--rider">
      <AppHeader
        title="Rider"
        userName={user.name}
        badge={<ConnectionBadge connection={live.connection} changedAt={live.connectionChangedAt} />}
        onLogout={() => logout()}
      />
      <main className="layout layout--rider">
        <div className="layout__side">
          {trip === null ? (
            <RequestForm
              draft={draft}
              onRequest={request}
              waiting={quotes.status === 'loading'}
              quotes={
                <QuotePicker
                  quotes={quotes}
                  chosenClass={chosenClass}
                  onChoose={(cls) => {
                    setChosenClass(cls);
                    setQuoteNotice(null);
                  }}
                  notice={quoteNotice}
                />
              }
            />
          ) : (
            <TripStatusPanel
              trip={trip}
              driverPosition={state.driverPosition}
              etaSeconds={etaSecondsLeft(state.driverPosition, now, state.clockOffsetMs)}
              cancelFee={cancelFeeRule(trip, fares, serverNow)}
              busy={busy}
              onCancel={(code, reason) => void cancel(code, reason)}
              onNewTrip={newTrip}
            />
          )}
          {ended && (trip.status === 'completed' || trip.cancel_fee !== undefined) && (
            <TripSummary trip={trip} api={ride} />
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
            onPinMove={trip === null ? draft.movePin : undefined}
            fitKey={`${trip?.id ?? 'draft'}:${trip?.status ?? ''}:${driver !== null}:${history.selectedId ?? ''}:${selectedTrack?.length ?? 0}`}
            softKey={`${pickup?.lat},${pickup?.lng}:${dropoff?.lat},${dropoff?.lng}:${driver?.lat},${driver?.lng}`}
            hint={trip === null ? `Tap the map to set the ${draft.next}, or drag a pin` : undefined}
          />
        </div>
      </main>
    </div>
  );
}
