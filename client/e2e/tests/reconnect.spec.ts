import { DROPOFF, expect, test } from '../support/fixtures.ts';
import {
  connection,
  currentTrip,
  driverMarker,
  goOnline,
  offers,
  requestTrip,
  signUpAndLogIn,
  tripStatus,
} from '../support/apps.ts';

test('the server restarts mid-trip and both pages recover without a reload', async ({ server, rider, driver }) => {
  await signUpAndLogIn(driver.page, 'driver', 'Rolf Restart', 'rolf');
  await goOnline(driver.page);
  await signUpAndLogIn(rider.page, 'rider', 'Mia Midtrip', 'mia');
  await requestTrip(rider.page, DROPOFF);
  await offers(driver.page).getByRole('button', { name: 'Accept' }).click();
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Driver on the way');

  // A marker on each window proves no page reloaded.
  for (const p of [rider.page, driver.page]) await p.evaluate(() => ((window as any).__hailE2e = 'same page'));

  await server.stop();
  await expect(connection(rider.page)).toHaveText(/Reconnecting|Offline|Connecting/);
  await expect(connection(driver.page)).toHaveText(/Reconnecting|Offline|Connecting/);
  await rider.shot('server down');
  await server.restart(0);

  await expect(connection(rider.page)).toHaveText('Connected', { timeout: 45_000 });
  await expect(connection(driver.page)).toHaveText('Connected', { timeout: 45_000 });
  for (const p of [rider.page, driver.page]) {
    expect(await p.evaluate(() => (window as any).__hailE2e)).toBe('same page');
  }
  // Whole again from `hello`: the trip, its driver, and live positions.
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Driver on the way');
  await expect(tripStatus(rider.page)).toContainText('Rolf Restart');
  const before = await driverMarker(rider.page);
  await expect.poll(async () => (await driverMarker(rider.page)).lat, { timeout: 10_000 }).not.toBe(before.lat);
  await currentTrip(driver.page).getByRole('button', { name: 'Arrived' }).click();
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Driver has arrived');
  await rider.shot('recovered');
  await driver.shot('recovered');
});
