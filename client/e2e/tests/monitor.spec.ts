import { DRIVER_START, PICKUP, expect, test, type Page } from '../support/fixtures.ts';
import { PASSWORD, connection } from '../support/apps.ts';
import { createAdmin } from '../support/admin.ts';
import { ScriptedClient, logInToken, signUp } from '../support/scripted.ts';

// Heartbeats (and so stream events) every 300 ms: the page follows quickly.
test.use({ serverEnv: { HAIL_HEARTBEAT_MS: '300' } });

async function logInMonitor(page: Page, username: string, password: string) {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

const counter = (page: Page, name: string) =>
  page.getByRole('region', { name: 'Counters' }).getByLabel(name, { exact: true });

test('the monitor follows a dispatch live, from request to accept, with its timeline', async ({ server, monitor }) => {
  const { page } = monitor;
  await createAdmin(server, { username: 'ada', password: PASSWORD, name: 'Ada Admin' });
  await signUp(server, 'rider', 'rita', PASSWORD, 'Rita Rider');
  await signUp(server, 'driver', 'dana', PASSWORD, 'Dana Driver');

  // Admins cannot sign up: log-in only. A rider account is refused.
  await page.goto('/monitor/');
  await expect(page.getByRole('tab')).toHaveCount(0);
  await logInMonitor(page, 'rita', PASSWORD);
  await expect(page.getByRole('alert')).toContainText('needs an admin account');
  await expect(page.getByRole('button', { name: 'Log out' })).toHaveCount(0);
  await monitor.shot('rider refused');

  await logInMonitor(page, 'ada', PASSWORD);
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  await expect(page.getByText('Ada Admin')).toBeVisible();
  await expect(connection(page)).toHaveText('Connected');
  const nodes = page.getByRole('table', { name: 'Nodes' });
  await expect(nodes.locator('tbody tr')).toHaveCount(1);
  await expect(nodes.locator('tbody tr').getByRole('cell', { name: 'up', exact: true })).toBeVisible();
  await expect(counter(page, 'Nodes up')).toHaveText('1');
  await expect(counter(page, 'Nodes down')).toHaveText('0');
  await expect(page.getByRole('table', { name: 'Background tasks' }).locator('tbody tr').first()).toBeVisible();
  await expect(page.getByRole('region', { name: 'Throughput' })).toBeVisible();
  await expect(page.getByRole('region', { name: 'Live map' })).toBeVisible();
  await monitor.shot('logged in');

  // A driver and a rider, scripted over the WebSocket, no browser.
  const driver = await ScriptedClient.connect(server, await logInToken(server, 'dana', PASSWORD));
  const rider = await ScriptedClient.connect(server, await logInToken(server, 'rita', PASSWORD));
  try {
    await driver.request({ type: 'location', lat: DRIVER_START.latitude, lng: DRIVER_START.longitude, ref: '1' });
    await driver.request({ type: 'driver.available', available: true, ref: '2' });
    await expect(counter(page, 'Drivers connected')).toHaveText('1');
    await expect(counter(page, 'Riders connected')).toHaveText('1');
    await expect(counter(page, 'Drivers available')).toHaveText('1');
    await expect(page.getByTestId('monitor-driver')).toHaveCount(1);

    const ok = await rider.request({
      type: 'trip.request',
      pickup: { lat: PICKUP.latitude, lng: PICKUP.longitude, address: 'Alexanderplatz' },
      dropoff: { lat: 52.5163, lng: 13.3777 },
      ref: '3',
    });
    const tripId = (ok.trip as { id: string }).id;
    const row = page.getByRole('table', { name: 'Dispatches' }).locator(`tr[data-trip-id="${tripId}"]`);
    const outcome = row.getByRole('cell').nth(2);
    // Searching, unless the offer was taken before the next heartbeat.
    await expect(outcome).toHaveText(/^(searching|accepted)$/);
    await monitor.shot('trip requested');

    await driver.waitFor((f) => f.type === 'trip.offer' && (f.trip as { id: string }).id === tripId);
    await driver.request({ type: 'trip.accept', trip_id: tripId, ref: '4' });
    await expect(outcome).toHaveText('accepted');
    // Columns: trip, requested, outcome, status, rounds, radius, offered, ...
    await expect(row.getByRole('cell').nth(6)).toHaveText('1');
    await expect(counter(page, 'Trips accepted')).toHaveText('1');
    await expect(counter(page, 'Trips requested')).toHaveText('0');
    // On the trip, the driver's stored GPS point puts it on the map.
    await driver.request({ type: 'location', lat: 52.5235, lng: 13.4132, ref: '5' });
    await expect(page.getByTestId('monitor-trip-driver')).toHaveCount(1);
    await expect(page.getByTestId('monitor-driver')).toHaveCount(0);
    await monitor.shot('trip accepted');

    // The timeline, oldest first, and live: the driver's arrival shows without a reload.
    await row.click();
    const timeline = page.getByRole('region', { name: 'Dispatch timeline' });
    await expect(timeline).toContainText(tripId);
    const events = timeline.getByRole('listitem');
    await expect(events.filter({ hasText: /Offered to Dana Driver \(\d+ m\)/ })).toHaveCount(1);
    await expect(events.filter({ hasText: 'Dana Driver accepted' })).toHaveCount(1);
    const texts = await events.allTextContents();
    const at = (text: string) => texts.findIndex((t) => t.includes(text));
    expect(at('Requested')).toBe(0);
    expect(at('Round 1: 3.0 km, 1 driver found')).toBeGreaterThan(at('Requested'));
    expect(at('Offered to Dana Driver')).toBeGreaterThan(at('Round 1'));
    expect(at('Dana Driver accepted')).toBeGreaterThan(at('Offered to Dana Driver'));
    await driver.request({ type: 'trip.arrive', trip_id: tripId, ref: '6' });
    await expect(events.last()).toContainText('Driver arrived');
    await expect(counter(page, 'Trips arrived')).toHaveText('1');
    await monitor.shot('timeline');

    // The outcome filter reads the list from the server.
    const filter = page.getByLabel('Outcome');
    await filter.selectOption('expired');
    await expect(row).toHaveCount(0);
    await expect(page.getByText('No dispatch is expired.')).toBeVisible();
    await filter.selectOption('accepted');
    await expect(outcome).toHaveText('accepted');
    await monitor.shot('filtered');
  } finally {
    await rider.close();
    await driver.close();
  }
  // The two sockets are gone from the counters.
  await expect(counter(page, 'Drivers connected')).toHaveText('0');
});
