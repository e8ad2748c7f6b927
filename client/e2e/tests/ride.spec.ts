// The ride product end to end, as a rider and a driver use it: the driver
// has a vehicle (registered through the API: the driver app's vehicle form
// is not part of this walk) and goes online; the rider picks pickup and
// dropoff on the map, sees the prices, requests; the driver accepts; the
// rider sees the vehicle, the plate, the driver's rating and a live ETA
// that counts down, then the final fare and the receipt, and rates the
// driver (the driver rates the rider through the API). A second trip is
// cancelled with a reason after the (shortened) free period, so it costs
// the cancellation fee. Once at desktop size, once on a 390x844 phone.

import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test, type Page } from '../support/fixtures.ts';
import {
  PASSWORD,
  connection,
  currentTrip,
  driverMarker,
  expectNoToastOver,
  goOnline,
  history,
  offers,
  signUpAndLogIn,
  tripStatus,
} from '../support/apps.ts';
import { logInToken } from '../support/scripted.ts';
import { clickMap, etaSeconds, latestTripId, rate, registerVehicle } from '../support/ride.ts';

// The default fare table with a free period of 8 s instead of 120 s, so the
// second trip's cancellation costs the fee without a two-minute wait.
const GRACE_S = 8;
const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const faresFile = path.join(mkdtempSync(path.join(tmpdir(), 'hail-fares-')), 'fares.toml');
writeFileSync(
  faresFile,
  readFileSync(path.join(repo, '.env/fares.sample.toml'), 'utf8').replace(/grace_secs = \d+/, `grace_secs = ${GRACE_S}`),
);
test.use({ serverEnv: { HAIL_FARES_FILE: faresFile } });

const VEHICLE = { make: 'Toyota', model: 'Prius', colour: 'silver', plate: 'b-hx 4821', class: 'standard', seats: 4 };

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 390, height: 844 },
] as const;

/** The header stays one line and the map shows before the history. */
async function checkLayout(page: Page, phone: boolean) {
  const header = page.locator('.app-header');
  const logOut = page.getByRole('button', { name: 'Log out' });
  const [headerBox, buttonBox] = [await header.boundingBox(), await logOut.boundingBox()];
  // One line: the header is hardly taller than its tallest item.
  expect(headerBox!.height).toBeLessThan(buttonBox!.height + 24);
  if (phone) {
    const map = await page.locator('.leaflet-container').boundingBox();
    const list = await history(page).boundingBox();
    expect(map!.y).toBeLessThan(list!.y);
    // The map is on the first screen, without scrolling.
    expect(map!.y + map!.height / 2).toBeLessThan(844);
  }
}

for (const viewport of VIEWPORTS) {
  test(`ride: quote, live trip, fare, ratings and a paid cancellation (${viewport.name})`, async ({
    server,
    rider,
    driver,
  }) => {
    const phone = viewport.name === 'phone';
    for (const p of [rider.page, driver.page]) await p.setViewportSize(viewport);

    // ---- The driver: a vehicle, then online (simulated driving).
    await signUpAndLogIn(driver.page, 'driver', 'Dana Driver', 'dana');
    const driverToken = await logInToken(server, 'dana', PASSWORD);
    await registerVehicle(server, driverToken, VEHICLE);
    await expect(connection(driver.page)).toHaveText('Connected');
    await goOnline(driver.page);

    // ---- The rider picks both places on the map.
    await signUpAndLogIn(rider.page, 'rider', 'Rita Rider', 'rita');
    await expect(connection(rider.page)).toHaveText('Connected');
    await checkLayout(rider.page, phone);
    // The pickup starts at the browser's position; the rider moves it with a tap.
    await expect(rider.page.getByLabel('Pickup', { exact: true })).toHaveValue(/52\.52\d*, *13\.41\d*/);
    await rider.page.getByRole('button', { name: 'Set pickup' }).click();
    await clickMap(rider.page, -60, 40);
    await expect(rider.page.getByText('Next map click sets the dropoff')).toBeVisible();
    await clickMap(rider.page, 120, -70);
    const pickupText = await rider.page.getByLabel('Pickup', { exact: true }).inputValue();
    const dropoffText = await rider.page.getByLabel('Dropoff', { exact: true }).inputValue();
    expect(pickupText).toMatch(/^52\.5\d+, 13\.4\d+$/);
    expect(dropoffText).toMatch(/^52\.5\d+, 13\.4\d+$/);
    expect(dropoffText).not.toBe(pickupText);
    await expect(rider.page.getByTestId('pickup-marker')).toBeAttached();
    await expect(rider.page.getByTestId('dropoff-marker')).toBeAttached();

    // ---- The prices: one option per class, the driver counted, the breakdown.
    const options = rider.page.getByRole('region', { name: 'Ride options' });
    const standard = options.getByRole('radio', { name: /Standard/ });
    await expect(standard).toBeChecked();
    await expect(options.getByRole('radio', { name: /XL/ })).toBeVisible();
    const option = (cls: string) => options.locator('label.quote').filter({ hasText: cls });
    const standardOption = option('Standard');
    await expect(standardOption).toContainText(/€\d+\.\d\d/);
    await expect(standardOption).toContainText(/1 driver nearby, pickup in \d+ min/);
    // Nobody drives an XL: said up front.
    await expect(option('XL')).toContainText('No drivers nearby');
    const estimate = options.getByLabel('Fare estimate', { exact: true });
    await expect(estimate).toContainText('Booking fee');
    await expect(estimate).toContainText('Total');
    const quotedTotal = (await estimate.locator('.fare__line--total dd').textContent())!;
    await rider.shot('ride options');

    await rider.page.getByRole('button', { name: 'Request trip' }).click();
    await expect(tripStatus(rider.page).getByRole('heading')).toHaveText('Searching for a driver');
    await expect(tripStatus(rider.page)).toBeFocused();
    await expect(tripStatus(rider.page).getByLabel('Estimate', { exact: true })).toHaveText(quotedTotal);

    // ---- The driver accepts.
    await expect(offers(driver.page)).toHaveCount(1);
    await driver.shot('offer');
    await offers(driver.page).getByRole('button', { name: 'Accept' }).click();

    // ---- The rider sees who comes, in what, and when.
    const status = tripStatus(rider.page);
    await expect(status.getByRole('heading')).toHaveText('Driver on the way');
    await expect(status).toContainText('Dana Driver');
    await expect(status.getByLabel('Plate')).toHaveText('B-HX 4821');
    await expect(status.getByLabel('Vehicle')).toHaveText('silver Toyota Prius');
    await expect(status).toContainText('(no ratings yet)');
    const eta = status.getByRole('timer', { name: 'Driver ETA' });
    await expect(eta).toHaveText(/^At the pickup in /);
    // Two toasts are up now (requested, accepted): on a phone they sit
    // over the map's top, never over the trip status (who comes, when).
    if (phone) {
      expect(await expectNoToastOver(rider.page, [status])).toBeGreaterThan(0);
    }
    const firstEta = await etaSeconds(rider.page);
    expect(firstEta).toBeGreaterThan(0);
    await expect.poll(() => etaSeconds(rider.page), { timeout: 10_000 }).toBeLessThan(firstEta);
    // The car moves on the map.
    const before = await driverMarker(rider.page);
    await expect.poll(async () => (await driverMarker(rider.page)).lat, { timeout: 10_000 }).not.toBe(before.lat);
    await rider.shot('driver on the way');

    // ---- The driver drives: arrives, starts, drives a while, completes.
    const trip = currentTrip(driver.page);
    await trip.getByRole('button', { name: 'Arrived' }).click();
    await expect(status.getByRole('heading')).toHaveText('Driver has arrived');
    await trip.getByRole('button', { name: 'Start trip' }).click();
    await expect(status.getByRole('heading')).toHaveText('On trip');
    await expect(status.getByRole('timer', { name: 'Driver ETA' })).toHaveText(/^At the dropoff in |dropoff now/);
    await rider.shot('on trip');
    await driver.page.waitForTimeout(4_000);
    await trip.getByRole('button', { name: 'Complete trip' }).click();

    // ---- The final fare, the receipt, the rating.
    await expect(status.getByRole('heading')).toHaveText('Trip completed');
    await expect(status.getByLabel('Fare', { exact: true })).toHaveText(/^€\d+\.\d\d$/);
    const summary = rider.page.getByRole('region', { name: 'Trip summary' });
    const finalFare = summary.getByLabel('Final fare', { exact: true });
    await expect(finalFare).toContainText('Base fare');
    await expect(finalFare).toContainText('Total');
    await summary.getByRole('button', { name: 'View receipt' }).click();
    const receipt = summary.getByRole('region', { name: 'Receipt' });
    await expect(receipt).toContainText('Completed');
    await expect(receipt).toContainText('B-HX 4821');
    await expect(receipt.getByLabel('Receipt fare')).toContainText('Total');
    await rider.shot('final fare and receipt');

    await summary.getByRole('radio', { name: '5 stars' }).check();
    await summary.getByLabel('Comment').fill('Smooth and on time');
    await summary.getByRole('button', { name: 'Send rating' }).click();
    await expect(summary.getByRole('status')).toHaveText('Thanks: you rated Dana Driver 5 stars.');
    await expect(summary.getByRole('button', { name: 'Send rating' })).toHaveCount(0);
    await rider.shot('rated');
    // The driver rates the rider (through the API); a second rating is refused.
    const tripId = await latestTripId(server, driverToken);
    expect(await rate(server, driverToken, tripId, 4, 'Ready at the pickup')).toBe(201);
    expect(await rate(server, driverToken, tripId, 5)).toBe(409);
    // The receipt, read again, has both ratings.
    await summary.getByRole('button', { name: 'Hide receipt' }).click();
    await summary.getByRole('button', { name: 'View receipt' }).click();
    await expect(receipt).toContainText('Your rating: ★★★★★');
    await expect(receipt).toContainText("The driver's rating of you: ★★★★");

    // ---- The history has the trip with its fare, and its track.
    const done = history(rider.page).getByRole('listitem').first();
    await expect(done).toContainText('Completed');
    await expect(done).toContainText(/€\d+\.\d\d/);
    await done.getByRole('button', { name: 'Show track' }).click();
    await expect(rider.page.getByTestId('track-start-marker')).toBeAttached();
    await rider.shot('history with fare');

    // ---- A second trip, cancelled with a reason after the free period.
    await status.getByRole('button', { name: 'New trip' }).click();
    await expect(rider.page.getByLabel('Pickup address', { exact: true })).toHaveValue('');
    await trip.getByRole('button', { name: 'Dismiss' }).click();
    await expect(rider.page.getByText('Next map click sets the dropoff')).toBeVisible();
    await clickMap(rider.page, 100, 60);
    await expect(rider.page.getByRole('region', { name: 'Ride options' }).getByRole('radio', { name: /Standard/ })).toBeChecked();
    await rider.page.getByRole('button', { name: 'Request trip' }).click();
    await expect(status.getByRole('heading')).toHaveText('Searching for a driver');
    await expect(offers(driver.page)).toHaveCount(1);
    await offers(driver.page).getByRole('button', { name: 'Accept' }).click();
    await expect(status.getByRole('heading')).toHaveText('Driver on the way');
    // The rating from the first trip now shows.
    await expect(status.getByLabel('Driver rating')).toHaveText('★ 5.0 (1)');

    await status.getByRole('button', { name: 'Cancel trip' }).click();
    const fee = status.getByLabel('Cancellation fee', { exact: true });
    await expect(fee).toHaveText(/^Free to cancel for \d+ s more; after that it costs €3\.00\.$/);
    await rider.shot('cancel form within the free period');
    await expect(fee).toHaveText(/^Cancelling now costs €3\.00/, { timeout: (GRACE_S + 5) * 1000 });
    await status.getByRole('radio', { name: 'Other' }).check();
    await status.getByRole('button', { name: 'Confirm cancellation' }).click();
    await expect(status.getByRole('alert')).toHaveText('Say in a few words why you cancel.');
    await status.getByLabel('Note', { exact: true }).fill('Found a friend with a car');
    await rider.shot('cancel form with the fee');
    await status.getByRole('button', { name: 'Confirm cancellation' }).click();
    await expect(status.getByRole('heading')).toHaveText('Trip cancelled');
    await expect(status.getByLabel('Cancellation fee', { exact: true })).toHaveText('€3.00');
    await expect(status).toContainText('Other');
    await expect(history(rider.page).getByRole('listitem').first()).toContainText('Cancellation fee €3.00');
    await rider.shot('cancelled with a fee');
    await driver.shot('rider cancelled');
  });
}

test('ride: the pins drag, and a denied location says what to do instead', async ({ browser, server, rider }) => {
  await signUpAndLogIn(rider.page, 'rider', 'Rita Rider', 'rita');
  await expect(rider.page.getByLabel('Pickup', { exact: true })).toHaveValue(/52\.52\d*, *13\.41\d*/);
  await clickMap(rider.page, 120, -70);
  await expect(rider.page.getByLabel('Dropoff', { exact: true })).not.toHaveValue('');

  // Drag A somewhere else: the pickup follows, the dropoff stays.
  const before = await rider.page.getByLabel('Pickup', { exact: true }).inputValue();
  const dropoff = await rider.page.getByLabel('Dropoff', { exact: true }).inputValue();
  const pin = (await rider.page.getByTestId('pickup-marker').boundingBox())!;
  await rider.page.mouse.move(pin.x + pin.width / 2, pin.y + pin.height / 2);
  await rider.page.mouse.down();
  await rider.page.mouse.move(pin.x + pin.width / 2 - 60, pin.y + pin.height / 2 + 50, { steps: 8 });
  await rider.page.mouse.up();
  await expect(rider.page.getByLabel('Pickup', { exact: true })).not.toHaveValue(before);
  await expect(rider.page.getByLabel('Dropoff', { exact: true })).toHaveValue(dropoff);
  await expect(rider.page.getByRole('region', { name: 'Ride options' }).getByRole('radio', { name: /Standard/ })).toBeChecked();
  await rider.shot('pickup dragged');

  // A browser that refuses location: "Use my location" says so, and how to go on.
  const context = await browser.newContext({ baseURL: server.url, permissions: [] });
  try {
    const page = await context.newPage();
    await page.goto('/rider/');
    await page.getByRole('tab', { name: 'Log in' }).click();
    await page.getByLabel('Username', { exact: true }).fill('rita');
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('button', { name: 'Use my location' }).click();
    await expect(page.getByRole('alert')).toContainText('Location access is not allowed');
    await expect(page.getByRole('alert')).toContainText('Tap the map');
  } finally {
    await context.close();
  }
});
