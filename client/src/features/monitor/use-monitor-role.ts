// The monitor user's role (`GET /api/monitor/me`): `null` until known, and
// on failure, so buttons appear only for a confirmed operator.

import { useEffect, useState } from 'react';
import type { MonitorRole } from '../../lib/operator-protocol.ts';
import type { OperatorApi } from './operator-api.ts';

export function useMonitorRole(api: OperatorApi): MonitorRole | null {
  const [role, setRole] = useState<MonitorRole | null>(null);
  useEffect(() => {
    let live = true;
    api.me().then(
      (me) => live && setRole(me.role),
      () => live && setRole(null),
    );
    return () => {
      live = false;
    };
  }, [api]);
  return role;
}
