import { describe, expect, it } from 'vitest';
import { bearingDegrees, distanceMetres } from '../../lib/distance.ts';
import { trip } from '../../test/trips.ts';
import { ARRIVED_M, SIM_SPEED_MPS, SIM_TICK_MS, simTarget, stepMetres, stepToward } from './drive-step.ts';

const from = { lat: 52.52, lng: 13.405 };
const to = { lat: 52.53, lng: 13.42 }; // about 1.5 km north-east

describe('stepToward', () => {
  it('moves exactly the step length toward the target', () => {
    const total = distanceMetres(from, to);
    const step = stepToward(from, to, 20);
    expect(step.arrived).toBe(false);
    expect(distanceMetres(from, step.position)).toBeCloseTo(20, 1);
    expect(step.remainingM).toBeCloseTo(total - 20, 0);
    expect(step.heading).toBeCloseTo(bearingDegrees(from, to), 6);
  });

  it('stays on the straight line', () => {
    const step = stepToward(from, to, 500);
    // Through the step point, the remaining bearing equals the initial one (to a small tolerance).
    expect(bearingDegrees(step.position, to)).toBeCloseTo(bearingDegrees(from, to), 0);
  });

  it('lands on the target and says so when within one step', () => {
    const near = { lat: 52.52005, lng: 13.405 }; // about 5.6 m north
    const step = stepToward(from, near, 20);
    expect(step).toMatchObject({ position: near, arrived: true, remainingM: 0 });
    expect(step.heading).toBeCloseTo(0, 3);
  });

  it('holds still at the target, with no heading', () => {
    expect(stepToward(to, to, 20)).toEqual({ position: to, heading: undefined, arrived: true, remainingM: 0 });
  });

  it('counts being within a metre as there', () => {
    const almost = { lat: from.lat + 0.5 / 111_000, lng: from.lng };
    expect(stepToward(from, almost, 0).arrived).toBe(true);
    expect(ARRIVED_M).toBe(1);
  });

  it('drives a whole trip in ceil(distance / speed) ticks at 20 m/s', () => {
    const total = distanceMetres(from, to);
    let position = from;
    let ticks = 0;
    for (;;) {
      const step = stepToward(position, to, stepMetres(SIM_TICK_MS));
      position = step.position;
      ticks += 1;
      if (step.arrived) break;
      if (ticks > 1000) throw new Error('never arrived');
    }
    expect(position).toEqual(to);
    // Within a tick of the ideal: each step re-aims, so no distance is lost.
    expect(Math.abs(ticks - Math.ceil(total / SIM_SPEED_MPS))).toBeLessThanOrEqual(1);
  });

  it('takes the short way across the date line', () => {
    const west = { lat: 0, lng: 179.9999 };
    const east = { lat: 0, lng: -179.9999 };
    const step = stepToward(west, east, 5);
    expect(step.arrived).toBe(false);
    expect(step.position.lng).toBeGreaterThan(179.9999);
    expect(step.position.lng).toBeLessThanOrEqual(180);
    expect(distanceMetres(west, step.position)).toBeCloseTo(5, 1);
  });

  it('does not move for a zero or negative step', () => {
    expect(stepToward(from, to, 0).position).toEqual(from);
    expect(stepToward(from, to, -10).position).toEqual(from);
  });
});

describe('stepMetres', () => {
  it('is speed times time, 20 m a second by default', () => {
    expect(stepMetres(1_000)).toBe(20);
    expect(stepMetres(1_500)).toBe(30);
    expect(stepMetres(1_000, 10)).toBe(10);
  });

  it('caps late ticks at five and ignores a clock going back', () => {
    expect(stepMetres(60_000)).toBe(100);
    expect(stepMetres(-5)).toBe(0);
  });
});

describe('simTarget', () => {
  it('heads for the pickup once accepted, the dropoff once started, else nowhere', () => {
    expect(simTarget(null)).toBeNull();
    expect(simTarget(trip('requested'))).toBeNull();
    expect(simTarget(trip('accepted'))).toEqual(trip('accepted').pickup);
    expect(simTarget(trip('arrived'))).toBeNull();
    expect(simTarget(trip('in_progress'))).toEqual(trip('in_progress').dropoff);
    expect(simTarget(trip('completed'))).toBeNull();
    expect(simTarget(trip('cancelled'))).toBeNull();
  });
});
