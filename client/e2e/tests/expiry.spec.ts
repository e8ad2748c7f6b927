import { DROPOFF, expect, test } from '../support/fixtures.ts';
import { goOnline, history, offers, requestTrip, signUpAndLogIn, tripStatus } from '../support/apps.ts';

// Short timeouts so the offer and then the trip run out within the test.
test.use({
  serverEnv: { HAIL_OFFER_TTL_SECS: '4', HAIL_TRIP_TIMEOUT_SECS: '7', HAIL_EMPTY_ROUND_RETRY_SECS: '1' },
});

test('an offer nobody takes runs out, and the trip expires', async ({ rider, driver }) => {
  await signUpAndLogIn(driver.page, 'driver', 'Ivo Idle', 'ivo');
  await goOnline(driver.page);
  await signUpAndLogIn(rider.page, 'rider', 'Elsa Early', 'elsa');
  await requestTrip(rider.page, DROPOFF);

  const offer = offers(driver.page);
  await expect(offer).toHaveCount(1);
  await expect(offer.getByLabel('Offer countdown')).toHaveText(/Expires in [0-4] s/);
  await driver.shot('offer counting down');
  // Left alone, the card goes when the offer ends.
  await expect(offer).toHaveCount(0, { timeout: 10_000 });

  await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('No driver found', { timeout: 15_000 });
  await rider.shot('expired');
  await expect(history(rider.page).getByRole('listitem').first()).toContainText('Expired');
  await tripStatus(rider.page).getByRole('button', { name: 'New trip' }).click();
  await expect(rider.page.getByRole('button', { name: 'Request trip' })).toBeVisible();
});
