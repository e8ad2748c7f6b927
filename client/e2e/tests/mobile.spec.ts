// The landing page and the monitor on a phone (390x844): the landing page
// loads no script (no React, no map), and the monitor never scrolls
// sideways, keeps its header on one line, and brings an opened timeline into
// view.

import { createAdmin } from '../support/admin.ts';
import { PASSWORD } from '../support/apps.ts';
import { DRIVER_START, PICKUP, expect, test } from '../support/fixtures.ts';
import { ScriptedClient, logInToken, signUp } from '../support/scripted.ts';

const PHONE = { width: 390, height: 844 };

test.use({ serverEnv: { HAIL_HEARTBEAT_MS: '300' } });

test('the landing page is plain HTML: no script, a small sheet', async ({ rider }) => {
  const { page } = rider;
  await page.setViewportSize(PHONE);
  const assets: string[] = [];
  page.on('request', (r) => {
    if (r.url().includes('/assets/')) assets.push(new URL(r.url()).pathname);
  });
  const response = await page.goto('/');
  // Sent compressed (the build's .br copy).
  expect(response?.headers()['content-encoding']).toBe('br');
  await expect(page.getByRole('link', { name: 'Driver app' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Rider app' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Monitor' })).toBeVisible();
  expect(assets.filter((a) => a.endsWith('.js'))).toEqual([]);
  expect(assets.filter((a) => a.endsWith('.css'))).toHaveLength(1);
  await rider.shot('landing');
});

test('the monitor fits a phone and opens a timeline in view', async ({ server, monitor }) => {
  const { page } = monitor;
  await page.setViewportSize(PHONE);
  await createAdmin(server, { username: 'ada', password: PASSWORD, name: 'Ada Admin' });
  await signUp(server, 'rider', 'rita', PASSWORD, 'Rita Rider');
  await signUp(server, 'driver', 'dana', PASSWORD, 'Dana Driver');
  await page.goto('/monitor/');
  await page.getByLabel('Username', { exact: true }).fill('ada');
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByLabel('Connection')).toHaveText('Connected');
  // The monitor's own stream is an admin connection.
  await expect(
    page.getByRole('region', { name: 'Counters' }).getByLabel('Admins connected', { exact: true }),
  ).toHaveText('1');

  const driver = await ScriptedClient.connect(server, await logInToken(server, 'dana', PASSWORD));
  const rider = await ScriptedClient.connect(server, await logInToken(server, 'rita', PASSWORD));
  try {
    await driver.request({ type: 'location', lat: DRIVER_START.latitude, lng: DRIVER_START.longitude, ref: '1' });
    await driver.request({ type: 'driver.available', available: true, ref: '2' });
    await rider.request({
      type: 'trip.request',
      ref: '3',
      pickup: { lat: PICKUP.latitude, lng: PICKUP.longitude },
      dropoff: { lat: 52.5163, lng: 13.3777 },
    });
    const rows = page.getByRole('table', { name: 'Dispatches' }).locator('tbody tr');
    await expect(rows).toHaveCount(1);

    const fits = async () =>
      page.evaluate(() => document.documentElement.scrollWidth <= document.documentElement.clientWidth);
    expect(await fits(), 'the monitor scrolls sideways').toBe(true);
    const header = await page.locator('.app-header').boundingBox();
    const logOut = await page.getByRole('button', { name: 'Log out' }).boundingBox();
    expect(header !== null && logOut !== null && header.height < logOut.height * 2, 'the header wraps').toBe(true);
    await monitor.shot('phone');

    await page.evaluate(() => window.scrollTo(0, 0));
    await rows.first().getByRole('button', { name: 'Details' }).click();
    const timeline = page.getByRole('region', { name: 'Dispatch timeline' });
    await expect(timeline.getByRole('listitem').first()).toHaveText(/Requested/);
    await expect(timeline.getByRole('heading')).toBeInViewport();
    expect(await fits(), 'the monitor scrolls sideways with the timeline open').toBe(true);
    await monitor.shot('timeline');
  } finally {
    await driver.close();
    await rider.close();
  }
});
