import { describe, expect, it } from 'vitest';
import {
  actionPath,
  canAct,
  confirmText,
  resultText,
  suspensionHistory,
  targetKind,
  tripActions,
  userActions,
} from './operator-actions.ts';
import { auditPath } from './operator-api.ts';

describe('operator actions', () => {
  it('are offered to operators only', () => {
    expect(canAct('operator')).toBe(true);
    expect(canAct('viewer')).toBe(false);
    expect(canAct(null)).toBe(false);
    expect(tripActions('accepted', 'viewer')).toEqual([]);
    expect(tripActions('requested', null)).toEqual([]);
  });

  it('follow the trip status as the server allows them', () => {
    expect(tripActions('requested', 'operator')).toEqual(['cancel_trip', 'redispatch']);
    expect(tripActions('in_progress', 'operator')).toEqual(['cancel_trip']);
    expect(tripActions('expired', 'operator')).toEqual(['redispatch']);
    expect(tripActions('completed', 'operator')).toEqual([]);
    expect(tripActions('cancelled', 'operator')).toEqual([]);
  });

  it('have their documented paths', () => {
    expect(actionPath({ kind: 'cancel_trip', tripId: 't1' })).toBe('/api/monitor/actions/trips/t1/cancel');
    expect(actionPath({ kind: 'redispatch', tripId: 't1' })).toBe('/api/monitor/actions/trips/t1/redispatch');
    expect(actionPath({ kind: 'suspend', userId: 'u1' })).toBe('/api/monitor/actions/users/u1/suspend');
    expect(actionPath({ kind: 'drain_node', nodeId: 'node a' })).toBe('/api/monitor/actions/nodes/node%20a/drain');
    expect(confirmText({ kind: 'drain_node', nodeId: 'b' })).toContain('b');
  });

  it('read their audit results', () => {
    expect(resultText({ result: 'done' })).toBe('done');
    expect(resultText({ result: 'refused', detail: 'the trip is completed' })).toBe('refused: the trip is completed');
    expect(auditPath()).toBe('/api/monitor/audit');
    expect(auditPath({ target: ' t1 ', before: 8 })).toBe('/api/monitor/audit?target=t1&before=8');
  });

  it('offer Suspend or Unsuspend as the account is, and Disconnect', () => {
    expect(userActions(false)).toEqual(['suspend', 'disconnect']);
    expect(userActions(true)).toEqual(['unsuspend', 'disconnect']);
  });

  it('name what an audit target is, and pick a suspension history', () => {
    expect(targetKind('cancel_trip')).toBe('trip');
    expect(targetKind('redispatch')).toBe('trip');
    expect(targetKind('suspend')).toBe('user');
    expect(targetKind('disconnect')).toBe('user');
    expect(targetKind('drain_node')).toBe('node');
    const at = '2026-12-02T18:00:00Z';
    const e = (id: number, action: 'suspend' | 'unsuspend' | 'disconnect', result: 'done' | 'unchanged') => ({
      id,
      at,
      actor_id: 'u-ops',
      actor_username: 'ops',
      action,
      target: 'u1',
      result,
    });
    const entries = [e(4, 'unsuspend', 'done'), e(3, 'suspend', 'unchanged'), e(2, 'disconnect', 'done'), e(1, 'suspend', 'done')];
    expect(suspensionHistory(entries).map((x) => x.id)).toEqual([4, 1]);
  });
});
