// The ride product in end-to-end tests: what a spec does through the HTTP
// API instead of a screen (a driver's vehicle, the driver's rating of the
// rider), and reading the rider app's map and live ETA.

import { expect, type Page } from './fixtures.ts';
import type { HailServer } from './server.ts';

export interface VehicleBody {
  make: string;
  model: string;
  colour: string;
  plate: string;
  class: string;
  seats: number;
}

/** An authenticated JSON call; the parsed answer, or an error naming the status and body. */
export async function call(
  server: HailServer,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; json: Record<string, unknown> }> {
  const init: RequestInit = { method, headers: { Authorization: `Bearer ${token}` } };
  if (body !== undefined) {
    init.headers = { ...init.headers, 'Content-Type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`${server.url}${path}`, init);
  const text = await response.text();
  return { status: response.status, json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

/** `PUT /api/me/vehicle` as the driver. */
export async function registerVehicle(server: HailServer, token: string, vehicle: VehicleBody) {
  const { status, json } = await call(server, token, 'PUT', '/api/me/vehicle', vehicle);
  if (status !== 200) throw new Error(`PUT /api/me/vehicle answered ${status}: ${JSON.stringify(json)}`);
  return json;
}

/** The newest trip of the caller (`GET /api/trips?limit=1`). */
export async function latestTripId(server: HailServer, token: string): Promise<string> {
  const { json } = await call(server, token, 'GET', '/api/trips?limit=1');
  const trips = json.trips as { id: string }[];
  if (trips.length === 0) throw new Error('no trips');
  return trips[0]!.id;
}

/** `POST /api/trips/{id}/rating`; the status (201, or 409 the second time). */
export async function rate(server: HailServer, token: string, tripId: string, stars: number, comment?: string) {
  const body = comment === undefined ? { stars } : { stars, comment };
  return (await call(server, token, 'POST', `/api/trips/${tripId}/rating`, body)).status;
}

/** Clicks the rider's map `dx`, `dy` pixels from its centre (away from the pins there). */
export async function clickMap(page: Page, dx: number, dy: number) {
  const map = page.locator('.leaflet-container');
  const box = await map.boundingBox();
  if (box === null) throw new Error('the map is not on screen');
  await map.click({ position: { x: box.width / 2 + dx, y: box.height / 2 + dy } });
}

/** The seconds the rider's "Driver ETA" shows ("At the pickup in 1 min 05 s" is 65; "now" is 0). */
export async function etaSeconds(page: Page): Promise<number> {
  const text = (await page.getByRole('timer', { name: 'Driver ETA' }).textContent()) ?? '';
  if (/now/.test(text)) return 0;
  const h = Number(text.match(/(\d+) h/)?.[1] ?? 0);
  const min = Number(text.match(/(\d+) min/)?.[1] ?? 0);
  const s = Number(text.match(/(\d+) s\b/)?.[1] ?? 0);
  return h * 3600 + min * 60 + s;
}

/** The rider's typed-coordinates fields sit behind a disclosure: open it once. */
export async function openTypedCoordinates(page: Page) {
  const field = page.getByLabel('Dropoff', { exact: true });
  if (!(await field.isVisible())) await page.getByText('Type coordinates').click();
  await expect(field).toBeVisible();
}
