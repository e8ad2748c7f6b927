// The trip request being written: pickup and dropoff as text (typed, or set
// by clicking the map: pickup first, then dropoff), optional addresses, and
// the pickup defaulting to the browser's position when it can tell.

import { useCallback, useEffect, useRef, useState } from 'react';
import { currentPosition, fixFrom, geolocationErrorText, hasGeolocation } from '../../lib/geolocation.ts';
import { formatLatLng, parseLatLng } from '../../lib/lat-lng.ts';
import type { Position } from '../../lib/protocol.ts';

export type PointKind = 'pickup' | 'dropoff';

export interface RequestDraft {
  pickupText: string;
  dropoffText: string;
  pickupAddress: string;
  dropoffAddress: string;
  /** Which point the next map click sets. */
  next: PointKind;
  /** The parsed points, when their text is valid. */
  pickup: Position | null;
  dropoff: Position | null;
  locating: boolean;
  setText: (kind: PointKind, text: string) => void;
  setAddress: (kind: PointKind, text: string) => void;
  setNext: (kind: PointKind) => void;
  clickMap: (position: Position) => void;
  /** Empties the form after a request, keeping the pickup (the rider is likely still there). */
  clearDropoff: () => void;
  /** A pin dragged on the map sets its point (the next click target stays). */
  movePin: (kind: PointKind, position: Position) => void;
  /** "Use my location": the pickup from the browser's position. */
  locate: () => void;
  /** Why "Use my location" found no position (denied, unavailable, ...), else null. */
  locateError: string | null;
}

/** Six decimals (about 10 cm): what a click or a GPS fix writes into the field. */
const FIELD_DECIMALS = 6;

/** After `point` was set by a click, the next click sets the other one. */
export function nextAfter(point: PointKind): PointKind {
  return point === 'pickup' ? 'dropoff' : 'pickup';
}

export function useRequestDraft(): RequestDraft {
  const [pickupText, setPickupText] = useState('');
  const [dropoffText, setDropoffText] = useState('');
  const [pickupAddress, setPickupAddress] = useState('');
  const [dropoffAddress, setDropoffAddress] = useState('');
  const [next, setNext] = useState<PointKind>('pickup');
  const [locating, setLocating] = useState(false);
  const [locateError, setLocateError] = useState<string | null>(null);
  const touched = useRef(false);

  // The pickup defaults to where the browser says we are, unless the rider got there first.
  useEffect(() => {
    let live = true;
    setLocating(true);
    void currentPosition(10_000).then((fix) => {
      if (!live) return;
      setLocating(false);
      if (fix === null || touched.current) return;
      touched.current = true;
      setPickupText(formatLatLng(fix, FIELD_DECIMALS));
      setNext('dropoff');
    });
    return () => {
      live = false;
    };
  }, []);

  const setText = useCallback((kind: PointKind, text: string) => {
    if (kind === 'pickup') {
      touched.current = true;
      setPickupText(text);
    } else {
      setDropoffText(text);
    }
  }, []);

  const setAddress = useCallback((kind: PointKind, text: string) => {
    (kind === 'pickup' ? setPickupAddress : setDropoffAddress)(text);
  }, []);

  const clickMap = useCallback(
    (position: Position) => {
      const text = formatLatLng(position, FIELD_DECIMALS);
      if (next === 'pickup') {
        touched.current = true;
        setPickupText(text);
      } else {
        setDropoffText(text);
      }
      setNext(nextAfter(next));
    },
    [next],
  );

  const clearDropoff = useCallback(() => {
    setDropoffText('');
    setDropoffAddress('');
    setNext(parseLatLng(pickupText).ok ? 'dropoff' : 'pickup');
  }, [pickupText]);

  const movePin = useCallback((kind: PointKind, position: Position) => {
    const text = formatLatLng(position, FIELD_DECIMALS);
    if (kind === 'pickup') {
      touched.current = true;
      setPickupText(text);
    } else {
      setDropoffText(text);
    }
  }, []);

  const locate = useCallback(() => {
    setLocateError(null);
    if (!hasGeolocation()) {
      setLocateError(locationHelp('This browser cannot tell your location'));
      return;
    }
    setLocating(true);
    navigator.geolocation.getCurrentPosition(
      (position) => {
        setLocating(false);
        touched.current = true;
        setPickupText(formatLatLng(fixFrom(position), FIELD_DECIMALS));
        setNext('dropoff');
      },
      (error) => {
        setLocating(false);
        setLocateError(locationHelp(geolocationErrorText(error)));
      },
      { enableHighAccuracy: true, timeout: 10_000, maximumAge: 30_000 },
    );
  }, []);

  const pickup = parsed(pickupText);
  const dropoff = parsed(dropoffText);
  return {
    pickupText,
    dropoffText,
    pickupAddress,
    dropoffAddress,
    next,
    pickup,
    dropoff,
    locating,
    setText,
    setAddress,
    setNext,
    clickMap,
    clearDropoff,
    movePin,
    locate,
    locateError,
  };
}

/** The geolocation failure, and what to do instead. */
export function locationHelp(reason: string): string {
  return `${reason}. Tap the map (or drag the A pin) to set the pickup, or allow location for this site and try again.`;
}

function parsed(text: string): Position | null {
  const result = parseLatLng(text);
  return result.ok ? result.position : null;
}
