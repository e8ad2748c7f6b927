// The monitor's HTTP reads (`/api/monitor/...`, admins only), on the app's
// authenticated `Api`: a 401 refreshes the token once and retries; a 403
// (not an admin) comes back as an `ApiError` with code `forbidden`.

import type { Api } from '../../lib/api.ts';
import {
  parseDispatchDetail,
  parseDispatchesResponse,
  parseMonitorMap,
  parseOverview,
  parseSurgeResponse,
  parseTasksResponse,
  type DispatchDetail,
  type DispatchesResponse,
  type MonitorMap,
  type Overview,
  type SurgeResponse,
  type TasksResponse,
} from '../../lib/monitor-protocol.ts';

export interface MonitorApi {
  overview(): Promise<Overview>;
  /** `path` from `dispatchesPath` (outcome and limit in its query). */
  dispatches(path: string): Promise<DispatchesResponse>;
  dispatch(tripId: string): Promise<DispatchDetail>;
  tasks(): Promise<TasksResponse>;
  map(): Promise<MonitorMap>;
  surge(): Promise<SurgeResponse>;
}

export function monitorApi(api: Api): MonitorApi {
  return {
    overview: () => api.get('/api/monitor/overview', parseOverview),
    dispatches: (path) => api.get(path, parseDispatchesResponse),
    dispatch: (tripId) => api.get(`/api/monitor/dispatches/${encodeURIComponent(tripId)}`, parseDispatchDetail),
    tasks: () => api.get('/api/monitor/tasks', parseTasksResponse),
    map: () => api.get('/api/monitor/map', parseMonitorMap),
    surge: () => api.get('/api/monitor/surge', parseSurgeResponse),
  };
}

/** The stream's URL: `EventSource` cannot send headers, so the token goes in the query. */
export function streamUrl(apiBaseUrl: string, token: string, pageOrigin: string): string {
  const url = new URL(`${apiBaseUrl || pageOrigin}/api/monitor/stream`);
  url.searchParams.set('token', token);
  return url.toString();
}
