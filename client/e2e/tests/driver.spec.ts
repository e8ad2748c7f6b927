// The driver app as a driver uses it, on a desktop and on a phone (390x844):
// registering the car, an offer with its fare whose buttons no toast covers,
// a reload in the middle of a trip (back on duty, with the trip, the
// simulator still driving), rating the rider, today's earnings, and two tabs
// that agree on duty (and tell the server the same). The rider is scripted
// over the WebSocket, so the spec watches only the driver's screen.

import type { Locator, Page } from '@playwright/test';
import { createAdmin } from '../support/admin.ts';
import { DROPOFF, PICKUP, expect, test } from '../support/fixtures.ts';
import {
  PASSWORD,
  box,
  currentTrip,
  driverMarker,
  expectNoToastOver,
  goOnline,
  offers,
  signUpAndLogIn,
} from '../support/apps.ts';
import { ScriptedClient, logInToken, signUp, type Frame } from '../support/scripted.ts';
import type { HailServer } from '../support/server.ts';

const VIEWS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

const [dropLat, dropLng] = DROPOFF.split(',').map(Number) as [number, number];

/** A scripted rider who requests a trip from the driver's area. */
async function scriptedRider(server: HailServer, username: string): Promise<ScriptedClient> {
  await signUp(server, 'rider', username, PASSWORD, 'Rita Rider');
  return ScriptedClient.connect(server, await logInToken(server, username, PASSWORD));
}

async function requestTrip(rider: ScriptedClient): Promise<string> {
  const ok = await rider.request({
    type: 'trip.request',
    ref: 'request-1',
    pickup: { lat: PICKUP.latitude, lng: PICKUP.longitude, address: 'Alexanderplatz' },
    dropoff: { lat: dropLat, lng: dropLng },
  });
  return (ok.trip as { id: string }).id;
}

/** The page never scrolls sideways, and the header is one line. */
async function expectFitsTheScreen(page: Page) {
  const { scroll, client } = await page.evaluate(() => ({
    scroll: document.documentElement.scrollWidth,
    client: document.documentElement.clientWidth,
  }));
  expect(scroll, 'horizontal overflow').toBeLessThanOrEqual(client);
  const header = await box(page.locator('.app-header'));
  const logOut = await box(page.getByRole('button', { name: 'Log out' }));
  // One row: the header is not much taller than its tallest item.
  expect(header.height).toBeLessThan(logOut.height * 2);
}

for (const view of VIEWS) {
  test.describe(view.name, () => {
    test(`registers a car, takes an offer, survives a reload mid-trip and rates the rider (${view.name})`, async ({
      driver,
      server,
    }) => {
      const page = driver.page;
      await page.setViewportSize({ width: view.width, height: view.height });
      await signUpAndLogIn(page, 'driver', 'Dana Driver', 'dana');
      await expectFitsTheScreen(page);

      // The vehicle: a bad plate is refused by the server, on the Plate field.
      const vehicle = page.getByRole('region', { name: 'Vehicle' });
      await expect(vehicle.getByLabel('Class')).toHaveValue('standard');
      await vehicle.getByLabel('Make').fill('Toyota');
      await vehicle.getByLabel('Model').fill('Prius');
      await vehicle.getByLabel('Colour').fill('silver');
      await vehicle.getByLabel('Plate').fill('B#HX');
      await vehicle.getByLabel('Seats').fill('4');
      await vehicle.getByRole('button', { name: 'Save vehicle' }).click();
      await expect(vehicle.getByLabel('Plate')).toHaveAttribute('aria-invalid', 'true');
      await expect(vehicle.getByRole('alert')).toContainText('plate');
      await expect(vehicle.getByLabel('Make')).not.toHaveAttribute('aria-invalid', 'true');
      await vehicle.scrollIntoViewIfNeeded();
      await driver.shot('vehicle refused');
      await vehicle.getByLabel('Plate').fill('b-hx 4821');
      await vehicle.getByRole('button', { name: 'Save vehicle' }).click();
      // Stored as the server normalises it (plate upper-cased).
      await expect(vehicle.getByLabel('Registered vehicle')).toHaveText('Silver Toyota Prius · B-HX 4821 · standard, 4 seats');
      await driver.shot('vehicle saved');

      // On a phone the map is on screen without scrolling past anything.
      if (view.name === 'phone') {
        await page.evaluate(() => window.scrollTo(0, 0));
        const map = await box(page.locator('.layout__map .leaflet-container'));
        expect(map.y + map.height).toBeLessThanOrEqual(view.height);
      }

      await goOnline(page);
      await expect(page.getByLabel("Today's earnings")).toContainText('nothing yet');

      // An offer, with the rider's rating, pickup distance and ETA, trip length and fare.
      const rider = await scriptedRider(server, `rita-${view.name}`);
      const tripId = await requestTrip(rider);
      const offer = offers(page);
      await expect(offer).toHaveCount(1);
      await expect(offer).toContainText('Rita Rider');
      await expect(offer.getByLabel('Rider rating')).toHaveText('New rider');
      await expect(offer).toContainText(/\d+ m away/);
      await expect(offer.getByLabel('Pickup ETA')).toContainText(/\d+ min to the pickup/);
      await expect(offer.getByLabel('Trip distance')).toHaveText(/\d+\.\d km · about \d+ min/);
      await expect(offer.getByLabel('Estimated fare')).toHaveText(/^€\d+\.\d\d \(standard\)$/);
      // The "New trip offer" toast is up, and covers neither button.
      const accept = offer.getByRole('button', { name: 'Accept' });
      const decline = offer.getByRole('button', { name: 'Decline' });
      await expect(page.getByLabel('Notifications').getByRole('status').filter({ hasText: 'New trip offer' })).toBeVisible();
      await expect(accept).toBeInViewport();
      await expect(decline).toBeInViewport();
      expect(await expectNoToastOver(page, [accept, decline])).toBeGreaterThan(0);
      await driver.shot('offer');
      await accept.click();
      await expect(offer).toHaveCount(0);
      const trip = currentTrip(page);
      await expect(trip).toContainText('Rita Rider');
      await expect(trip.getByRole('button', { name: 'Arrived' })).toBeVisible();

      // The simulated car heads for the pickup, and the rider sees it move.
      const before = await driverMarker(page);
      await expect.poll(async () => (await driverMarker(page)).lat, { timeout: 10_000 }).not.toBe(before.lat);
      await rider.waitFor((f: Frame) => f.type === 'driver.location');
      await driver.shot('driving to the pickup');

      // Reload mid-trip: back on duty, with the trip, simulating, the car moving.
      const beforeReload = await driverMarker(page);
      await page.reload();
      await expect(page.getByRole('button', { name: 'Go offline' })).toBeVisible();
      await expect(page.getByLabel('Simulate driving')).toBeChecked();
      await expect(trip).toContainText('Rita Rider');
      await expect(trip.getByRole('button', { name: 'Arrived' })).toBeVisible();
      const afterReload = await driverMarker(page);
      // It goes on from where it was (not from the GPS, nor Berlin's centre)...
      expect(Math.abs(afterReload.lat - beforeReload.lat)).toBeLessThan(0.001);
      // ...and keeps moving, on the driver's map and (through the server) the rider's.
      await expect.poll(async () => (await driverMarker(page)).lat, { timeout: 10_000 }).not.toBe(afterReload.lat);
      const sent = (await rider.waitFor(
        (f: Frame) => f.type === 'driver.location' && Math.abs((f.lat as number) - afterReload.lat) > 1e-6 && (f.lat as number) < afterReload.lat,
      )) as Frame;
      expect(sent.trip_id).toBe(tripId);
      await driver.shot('after reload');

      // Drive it through; then rate the rider.
      await trip.getByRole('button', { name: 'Arrived' }).click();
      await trip.getByRole('button', { name: 'Start trip' }).click();
      await trip.getByRole('button', { name: 'Complete trip' }).click();
      await expect(trip).toContainText('Completed');
      const rate = page.getByRole('region', { name: 'Rate the rider' });
      await expect(rate).toBeVisible();
      if (view.name === 'phone') {
        // Rated already (another device): the server's 409 reads "already rated".
        const token = await logInToken(server, 'dana', PASSWORD);
        const res = await fetch(`${server.url}/api/trips/${tripId}/rating`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
          body: JSON.stringify({ stars: 4 }),
        });
        expect(res.status).toBe(201);
      }
      await rate.getByLabel('5 stars').check();
      await rate.getByLabel('Comment (optional)').fill('Friendly and on time');
      await rate.getByRole('button', { name: 'Send rating' }).click();
      if (view.name === 'phone') {
        await expect(rate.getByRole('status')).toHaveText('This trip is already rated.');
      } else {
        await expect(rate.getByRole('status')).toHaveText('You rated Rita Rider 5 stars. Thank you.');
        await expect(rate.getByRole('button', { name: 'Send rating' })).toHaveCount(0);
      }
      // Today's earnings: this trip's fare.
      await expect(page.getByLabel("Today's earnings")).toContainText(/€\d+\.\d\d from 1 trip/);
      await rate.scrollIntoViewIfNeeded();
      await driver.shot('rated');
      await expectFitsTheScreen(page);
      await rider.close();
    });

    test(`two tabs of one driver agree on duty, and so does the server (${view.name})`, async ({ driver, server }) => {
      const one = driver.page;
      await one.setViewportSize({ width: view.width, height: view.height });
      await signUpAndLogIn(one, 'driver', 'Dana Driver', 'dana');
      const two = await one.context().newPage();
      await two.setViewportSize({ width: view.width, height: view.height });
      await two.goto('/driver/');
      await expect(two.getByRole('button', { name: 'Go online' })).toBeVisible();
      await expect(two.getByLabel('Connection')).toHaveText('Connected');

      const admin = { username: 'ada', password: 'correct horse', name: 'Ada Admin' };
      await createAdmin(server, admin);
      const adminToken = await logInToken(server, admin.username, admin.password);
      const available = async () => {
        const res = await fetch(`${server.url}/api/monitor/overview`, { headers: { Authorization: `Bearer ${adminToken}` } });
        const body = (await res.json()) as { drivers: { available: number } };
        return body.drivers.available;
      };

      // Tab one goes online: tab two follows, and the server has the driver available.
      await goOnline(one);
      await expect(two.getByRole('button', { name: 'Go offline' })).toBeVisible();
      await expect(two.locator('.duty .status')).toHaveText('Online');
      await expect.poll(available, { timeout: 15_000 }).toBe(1);
      await driver.shot('tab one online');

      // Tab two goes offline: tab one follows, and the server drops the driver
      // (both connections said so, not only the one that was clicked).
      await two.getByRole('button', { name: 'Go offline' }).click();
      await expect(one.getByRole('button', { name: 'Go online' })).toBeVisible();
      await expect(one.locator('.duty .status')).toHaveText('Offline');
      await expect.poll(available, { timeout: 15_000 }).toBe(0);

      // A reload of either tab keeps the shared state.
      await one.reload();
      await expect(one.getByRole('button', { name: 'Go online' })).toBeVisible();
      await two.getByRole('button', { name: 'Go online' }).click();
      await expect(one.getByRole('button', { name: 'Go offline' })).toBeVisible();
      await expect.poll(available, { timeout: 15_000 }).toBe(1);
      await driver.shot('tab one after reload');
      await two.close();
    });
  });
}
