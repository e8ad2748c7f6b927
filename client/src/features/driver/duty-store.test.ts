import { describe, expect, it } from 'vitest';
import {
  carKey,
  dutyFromStorageEvent,
  dutyKey,
  readCar,
  readDuty,
  writeCar,
  writeDuty,
  type KeyValueStore,
} from './duty-store.ts';

function memory(): KeyValueStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    getItem: (k) => data.get(k) ?? null,
    setItem: (k, v) => void data.set(k, v),
    removeItem: (k) => void data.delete(k),
  };
}

describe('duty', () => {
  it('is off until stored, per driver', () => {
    const store = memory();
    expect(readDuty(store, 'd1')).toBe(false);
    writeDuty(store, 'd1', true);
    expect(readDuty(store, 'd1')).toBe(true);
    expect(readDuty(store, 'd2')).toBe(false);
    writeDuty(store, 'd1', false);
    expect(readDuty(store, 'd1')).toBe(false);
    expect(readDuty(null, 'd1')).toBe(false);
  });

  it('reads junk as off', () => {
    const store = memory();
    store.setItem(dutyKey('d1'), '{not json');
    expect(readDuty(store, 'd1')).toBe(false);
    store.setItem(dutyKey('d1'), JSON.stringify({ online: 'yes' }));
    expect(readDuty(store, 'd1')).toBe(false);
  });

  it('follows another tab through the storage event of its key only', () => {
    const other = memory();
    writeDuty(other, 'd1', true);
    const newValue = other.getItem(dutyKey('d1'));
    expect(dutyFromStorageEvent({ key: dutyKey('d1'), newValue }, 'd1')).toBe(true);
    expect(dutyFromStorageEvent({ key: dutyKey('d1'), newValue: JSON.stringify({ online: false }) }, 'd1')).toBe(false);
    // Another driver's duty, another key, or junk: not ours to follow.
    expect(dutyFromStorageEvent({ key: dutyKey('d2'), newValue }, 'd1')).toBeNull();
    expect(dutyFromStorageEvent({ key: 'hail.session.driver', newValue }, 'd1')).toBeNull();
    expect(dutyFromStorageEvent({ key: dutyKey('d1'), newValue: '{' }, 'd1')).toBeNull();
    // Storage cleared (`key` null) or the key removed.
    expect(dutyFromStorageEvent({ key: null, newValue: null }, 'd1')).toBeNull();
    expect(dutyFromStorageEvent({ key: dutyKey('d1'), newValue: null }, 'd1')).toBe(false);
  });
});

describe('car', () => {
  it('keeps the simulation switch and the last position over a reload', () => {
    const store = memory();
    expect(readCar(store, 'd1')).toEqual({ simulate: false, position: null });
    writeCar(store, 'd1', { simulate: true, position: { lat: 52.5, lng: 13.4, heading: 90, speed: 20 } });
    expect(readCar(store, 'd1')).toEqual({ simulate: true, position: { lat: 52.5, lng: 13.4, heading: 90, speed: 20 } });
    expect(readCar(store, 'd2')).toEqual({ simulate: false, position: null });
  });

  it('drops a position the server would refuse', () => {
    const store = memory();
    store.setItem(carKey('d1'), JSON.stringify({ simulate: true, position: { lat: 95, lng: 13 } }));
    expect(readCar(store, 'd1')).toEqual({ simulate: true, position: null });
    store.setItem(carKey('d1'), 'null');
    expect(readCar(store, 'd1')).toEqual({ simulate: false, position: null });
  });
});
