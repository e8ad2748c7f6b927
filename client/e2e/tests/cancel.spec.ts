import { DROPOFF, expect, test } from '../support/fixtures.ts';
import { cancelAsRider, currentTrip, goOnline, history, offers, requestTrip, signUpAndLogIn, tripStatus } from '../support/apps.ts';

test('the rider cancels after a driver accepted; both see it', async ({ rider, driver }) => {
  await signUpAndLogIn(driver.page, 'driver', 'Carl Cabbie', 'carl');
  await goOnline(driver.page);
  await signUpAndLogIn(rider.page, 'rider', 'Rosa Rider', 'rosa');
  await requestTrip(rider.page, DROPOFF);
  await offers(driver.page).getByRole('button', { name: 'Accept' }).click();
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Driver on the way');
  await expect(currentTrip(driver.page)).toContainText('Rosa Rider');

  await cancelAsRider(rider.page);
  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Trip cancelled');
  await expect(tripStatus(rider.page).getByRole('button', { name: 'Cancel trip' })).toHaveCount(0);
  await rider.shot('cancelled');
  // The driver is told, and is free again.
  await expect(driver.page.getByRole('status').filter({ hasText: /cancel/i }).first()).toBeVisible();
  await expect(currentTrip(driver.page).getByRole('button', { name: 'Arrived' })).toHaveCount(0);
  await driver.shot('rider cancelled');
  await expect(history(rider.page).getByRole('listitem').first()).toContainText('Cancelled');
  await expect(history(driver.page).getByRole('listitem').first()).toContainText('Cancelled');

  // The rider can start over.
  await tripStatus(rider.page).getByRole('button', { name: 'New trip' }).click();
  await expect(rider.page.getByRole('button', { name: 'Request trip' })).toBeVisible();
});
