import { describe, expect, it } from 'vitest';
import { connectionHint, connectionLabel } from './connection-status.ts';

describe('connectionLabel', () => {
  it('has exactly the four words of the contract', () => {
    expect(connectionLabel('connecting')).toBe('Connecting');
    expect(connectionLabel('open')).toBe('Connected');
    expect(connectionLabel('reconnecting')).toBe('Reconnecting');
    expect(connectionLabel('closed')).toBe('Offline');
  });
});

describe('connectionHint', () => {
  it('is silent while connected', () => {
    expect(connectionHint({ state: 'open', attempt: 0 }, 0, 0)).toBeNull();
  });

  it('counts down to the next attempt', () => {
    const change = { state: 'reconnecting' as const, attempt: 2, retryInMs: 4_200 };
    expect(connectionHint(change, 1_000, 1_000)).toBe('Connection lost. Retrying in 5 s…');
    expect(connectionHint(change, 4_500, 1_000)).toBe('Connection lost. Retrying in 1 s…');
    expect(connectionHint(change, 6_000, 1_000)).toBe('Connection lost. Reconnecting…');
  });

  it('says so when not connected at all', () => {
    expect(connectionHint({ state: 'closed', attempt: 3 }, 0, 0)).toBe('Not connected.');
  });
});
