// Where the driver's car is: from the browser's GPS (`watchPosition`), or,
// with "Simulate driving" on, from the simulator, which ignores GPS and moves
// the car straight toward its target (pickup, then dropoff) at 20 m/s.
//
// The simulated car starts where the car last was (a GPS fix, a map click),
// else where the browser says we are, else the default map centre.

import { useCallback, useEffect, useRef, useState } from 'react';
import { currentPosition, fixFrom, geolocationErrorText, hasGeolocation, type Fix } from '../../lib/geolocation.ts';
import { DEFAULT_CENTER } from '../../lib/lat-lng.ts';
import type { Position } from '../../lib/protocol.ts';
import { SIM_SPEED_MPS, SIM_TICK_MS, stepMetres, stepToward } from './drive-step.ts';

export interface CarPosition {
  /** The car's latest position, or `null` while unknown. */
  position: Fix | null;
  /** Why there is no GPS position (refused, unavailable), when there is none. */
  gpsError: string | null;
  /** Whether the simulated car is moving (it has a target and is not there yet). */
  moving: boolean;
  /** Puts the simulated car somewhere (a map click); ignored without simulation. */
  place: (position: Position) => void;
}

/** How long to wait for a first GPS fix to start the simulated car from. */
const SEED_TIMEOUT_MS = 3_000;

/** `initial`: where the car was before a reload (the simulator goes on from there). */
export function useCarPosition(simulate: boolean, target: Position | null, initial: Fix | null = null): CarPosition {
  const [position, setPosition] = useState<Fix | null>(initial);
  const [gpsError, setGpsError] = useState<string | null>(null);
  const [moving, setMoving] = useState(false);
  const positionRef = useRef(position);
  positionRef.current = position;
  const targetRef = useRef(target);
  targetRef.current = target;

  // Real GPS, unless simulating.
  useEffect(() => {
    if (simulate) return;
    if (!hasGeolocation()) {
      setGpsError('This browser has no geolocation');
      return;
    }
    const watch = navigator.geolocation.watchPosition(
      (p) => {
        setGpsError(null);
        setPosition(fixFrom(p));
      },
      (error) => setGpsError(geolocationErrorText(error)),
      { enableHighAccuracy: true, maximumAge: 5_000 },
    );
    return () => navigator.geolocation.clearWatch(watch);
  }, [simulate]);

  // The simulator: seed a start if none, then step once a tick.
  useEffect(() => {
    if (!simulate) {
      setMoving(false);
      return;
    }
    let live = true;
    if (positionRef.current === null) {
      void currentPosition(SEED_TIMEOUT_MS).then((fix) => {
        if (live && positionRef.current === null) setPosition(fix ?? { ...DEFAULT_CENTER });
      });
    }
    let last = Date.now();
    const timer = setInterval(() => {
      const now = Date.now();
      const elapsed = now - last;
      last = now;
      const from = positionRef.current;
      const to = targetRef.current;
      if (from === null || to === null) {
        setMoving(false);
        return;
      }
      const step = stepToward(from, to, stepMetres(elapsed));
      if (step.position.lat === from.lat && step.position.lng === from.lng) {
        setMoving(false);
        return;
      }
      const next: Fix = { ...step.position, speed: step.arrived ? 0 : SIM_SPEED_MPS };
      if (step.heading !== undefined) next.heading = step.heading;
      positionRef.current = next;
      setPosition(next);
      setMoving(!step.arrived);
    }, SIM_TICK_MS);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [simulate]);

  const place = useCallback(
    (p: Position) => {
      if (!simulate) return;
      const next: Fix = { lat: p.lat, lng: p.lng, speed: 0 };
      positionRef.current = next;
      setPosition(next);
    },
    [simulate],
  );

  return { position, gpsError: simulate ? null : gpsError, moving, place };
}
