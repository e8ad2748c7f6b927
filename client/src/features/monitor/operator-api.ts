// The operator API on the app's authenticated `Api`: who is looking
// (`/api/monitor/me`), the actions (`POST /api/monitor/actions/...`) and the
// audit log. A viewer's action comes back as an `ApiError` (`forbidden`).

import type { Api } from '../../lib/api.ts';
import {
  parseActionResponse,
  parseAuditResponse,
  parseMonitorMe,
  type ActionResponse,
  type AuditResponse,
  type MonitorMe,
} from '../../lib/operator-protocol.ts';
import { actionPath, type Action } from './operator-actions.ts';

export interface AuditQuery {
  target?: string | undefined;
  before?: number | undefined;
}

export interface OperatorApi {
  me(): Promise<MonitorMe>;
  audit(query?: AuditQuery): Promise<AuditResponse>;
  act(action: Action): Promise<ActionResponse>;
}

export function auditPath(query: AuditQuery = {}): string {
  const params = new URLSearchParams();
  if (query.target !== undefined && query.target.trim() !== '') params.set('target', query.target.trim());
  if (query.before !== undefined) params.set('before', String(query.before));
  const qs = params.toString();
  return `/api/monitor/audit${qs === '' ? '' : `?${qs}`}`;
}

export function operatorApi(api: Api): OperatorApi {
  return {
    me: () => api.get('/api/monitor/me', parseMonitorMe),
    audit: (query) => api.get(auditPath(query), parseAuditResponse),
    act: (action) => api.post(actionPath(action), {}, parseActionResponse),
  };
}
