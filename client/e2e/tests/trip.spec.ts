import { DROPOFF, expect, test } from '../support/fixtures.ts';
import {
  currentTrip,
  connection,
  driverMarker,
  goOnline,
  history,
  offers,
  requestTrip,
  signUpAndLogIn,
  tripStatus,
} from '../support/apps.ts';

test('a rider and a driver complete a trip, live', async ({ rider, driver }) => {
  await signUpAndLogIn(driver.page, 'driver', 'Dana Driver', 'dana');
  await expect(connection(driver.page)).toHaveText('Connected');
  await driver.shot('logged in');
  await goOnline(driver.page);
  await driver.shot('online');

  await signUpAndLogIn(rider.page, 'rider', 'Rita Rider', 'rita');
  await expect(connection(rider.page)).toHaveText('Connected');
  // Pickup defaults to the browser's position.
  await expect(rider.page.getByLabel('Pickup', { exact: true })).toHaveValue(/52\.52\d*, *13\.41\d*/);
  await rider.shot('request form');
  await requestTrip(rider.page, DROPOFF);
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Searching for a driver');
  await rider.shot('searching');

  // The offer arrives with its distance and a countdown that runs.
  const offer = offers(driver.page);
  await expect(offer).toHaveCount(1);
  await expect(offer).toContainText('Rita Rider');
  await expect(offer).toContainText(/\d+ m away|\d+(\.\d)? km away/);
  const countdown = offer.getByLabel('Offer countdown');
  await expect(countdown).toHaveText(/Expires in \d+ s/);
  const first = Number((await countdown.textContent())?.match(/\d+/)?.[0]);
  await expect
    .poll(async () => Number((await countdown.textContent())?.match(/\d+/)?.[0]), { timeout: 5_000 })
    .toBeLessThan(first);
  await driver.shot('offer');
  await offer.getByRole('button', { name: 'Accept' }).click();
  await expect(offer).toHaveCount(0);

  // The rider sees who is coming, and the car moves on the map.
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Driver on the way');
  await expect(tripStatus(rider.page)).toContainText('Dana Driver');
  await expect(rider.page.getByTestId('driver-marker')).toBeAttached();
  const before = await driverMarker(rider.page);
  await expect.poll(async () => (await driverMarker(rider.page)).lat, { timeout: 10_000 }).not.toBe(before.lat);
  await expect(tripStatus(rider.page).getByLabel('Driver position')).toHaveText(/^-?\d+\.\d{5}, -?\d+\.\d{5}$/);
  await rider.shot('driver on the way');
  await driver.shot('accepted');

  const trip = currentTrip(driver.page);
  await expect(trip).toContainText('Rita Rider');
  await trip.getByRole('button', { name: 'Arrived' }).click();
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Driver has arrived');
  await rider.shot('driver arrived');
  await trip.getByRole('button', { name: 'Start trip' }).click();
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('On trip');
  await rider.shot('on trip');
  await driver.shot('on trip');
  await trip.getByRole('button', { name: 'Complete trip' }).click();
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Trip completed');
  await rider.shot('completed');

  // Both histories show the completed trip.
  await expect(history(rider.page).getByRole('listitem').first()).toContainText('Completed');
  await expect(history(driver.page).getByRole('listitem').first()).toContainText('Completed');
  await rider.shot('history');
  await driver.shot('history');
});
