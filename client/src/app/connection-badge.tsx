// The connection badge: exactly "Connecting", "Connected", "Reconnecting" or
// "Offline" in the element labelled "Connection", and beside it, while the
// connection is down, when the next attempt comes.

import { connectionHint, connectionLabel } from '../lib/connection-status.ts';
import { useNow } from '../lib/use-now.ts';
import type { StateChange } from '../lib/ws-client.ts';

export interface ConnectionBadgeProps {
  connection: StateChange;
  changedAt: number;
}

export function ConnectionBadge({ connection, changedAt }: ConnectionBadgeProps) {
  const down = connection.state !== 'open';
  const now = useNow(1_000, down);
  const label = connectionLabel(connection.state);
  const hint = connectionHint(connection, now, changedAt);
  return (
    <span className="connection">
      <span role="status" aria-label="Connection" className={`badge badge--${connection.state}`}>
        {label}
      </span>
      {hint !== null && connection.state !== 'connecting' && <span className="connection__hint">{hint}</span>}
    </span>
  );
}
