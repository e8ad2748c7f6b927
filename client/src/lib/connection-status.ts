// The connection badge's word for each state of the WebSocket session.

import type { ConnectionState, StateChange } from './ws-client.ts';

/** Exactly these four words (part of the e2e contract). */
export type ConnectionLabel = 'Connecting' | 'Connected' | 'Reconnecting' | 'Offline';

export function connectionLabel(state: ConnectionState): ConnectionLabel {
  switch (state) {
    case 'connecting':
      return 'Connecting';
    case 'open':
      return 'Connected';
    case 'reconnecting':
      return 'Reconnecting';
    case 'closed':
      return 'Offline';
  }
}

/** A sentence under the badge while the connection is not open, or `null`. */
export function connectionHint(change: StateChange, nowMs: number, changedAtMs: number): string | null {
  switch (change.state) {
    case 'open':
      return null;
    case 'connecting':
      return 'Connecting to the server…';
    case 'reconnecting': {
      if (change.retryInMs === undefined) return 'Connection lost. Reconnecting…';
      const left = Math.ceil((changedAtMs + change.retryInMs - nowMs) / 1000);
      return left > 0 ? `Connection lost. Retrying in ${left} s…` : 'Connection lost. Reconnecting…';
    }
    case 'closed':
      return 'Not connected.';
  }
}
