import { PICKUP, expect, test, type Page } from '../support/fixtures.ts';
import { PASSWORD } from '../support/apps.ts';
import { createAdmin } from '../support/admin.ts';
import { ScriptedClient, logInToken, signUp } from '../support/scripted.ts';

// Operator actions (issue 15): an operator searches a trip, cancels it from
// its detail and sees the audit entry; a viewer sees no action buttons.
test.use({ serverEnv: { HAIL_HEARTBEAT_MS: '300', HAIL_TRIP_TIMEOUT_SECS: '120' } });

async function logInMonitor(page: Page, username: string) {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
}

test('an operator searches a trip, cancels it and sees the audit entry; a viewer sees no buttons', async ({ server, monitor }) => {
  const { page } = monitor;
  await createAdmin(server, { username: 'otto', password: PASSWORD, name: 'Otto Operator', role: 'operator' });
  await createAdmin(server, { username: 'vera', password: PASSWORD, name: 'Vera Viewer', role: 'viewer' });
  await signUp(server, 'rider', 'rita', PASSWORD, 'Rita Rider');
  await signUp(server, 'rider', 'sam', PASSWORD, 'Sam Rider');
  const rider = await ScriptedClient.connect(server, await logInToken(server, 'rita', PASSWORD));
  const other = await ScriptedClient.connect(server, await logInToken(server, 'sam', PASSWORD));
  try {
    const ok = await rider.request({
      type: 'trip.request',
      pickup: { lat: PICKUP.latitude, lng: PICKUP.longitude, address: 'Alexanderplatz' },
      dropoff: { lat: 52.5163, lng: 13.3777 },
      ref: '1',
    });
    const tripId = (ok.trip as { id: string }).id;
    // Another rider's trip, which the search must leave out.
    await other.request({
      type: 'trip.request',
      pickup: { lat: PICKUP.latitude, lng: PICKUP.longitude },
      dropoff: { lat: 52.5163, lng: 13.3777 },
      ref: '1',
    });

    await page.goto('/monitor/');
    await logInMonitor(page, 'otto');
    // The operator finds the trip by searching, and opens it from the result.
    await page.getByRole('search').getByRole('searchbox').fill('rider:rita status:requested');
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
    const found = page.getByRole('table', { name: 'Trips found' }).locator('tbody tr');
    await expect(found).toHaveCount(1);
    await expect(found.first()).toContainText('Rita Rider');
    await found.first().getByRole('button').click();
    const row = page.getByRole('table', { name: 'Dispatches' }).locator(`tr[data-trip-id="${tripId}"]`);
    const actions = page.getByLabel('Trip actions');
    await expect(actions.getByRole('button', { name: 'Re-dispatch' })).toBeVisible();
    await actions.getByRole('button', { name: 'Cancel trip' }).click();
    await actions.getByRole('button', { name: 'Yes' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Cancel trip: done' })).toBeVisible();
    await rider.waitFor(
      (f) => f.type === 'trip.updated' && (f.trip as { id: string; status: string }).status === 'cancelled',
    );
    const audit = page.getByRole('table', { name: 'Audit log' });
    await expect(audit.locator('tbody tr')).toHaveCount(1);
    await expect(audit.locator('tbody tr').first()).toContainText('otto');
    await expect(audit.locator('tbody tr').first()).toContainText(tripId);
    // The trip's detail lists its own actions too.
    const tripAudit = page.getByRole('table', { name: 'Actions on this trip' });
    await expect(tripAudit.locator('tbody tr')).toHaveCount(1);
    await expect(tripAudit.locator('tbody tr').first()).toContainText('Cancel trip');
    await expect(page.getByRole('table', { name: 'Nodes' }).getByRole('button', { name: 'Drain' })).toBeVisible();
    await monitor.shot('operator cancelled a trip');

    await page.getByRole('button', { name: 'Log out' }).click();
    await logInMonitor(page, 'vera');
    await row.getByRole('button', { name: 'Details' }).click();
    await expect(page.getByRole('table', { name: 'Audit log' }).locator('tbody tr')).toHaveCount(1);
    for (const name of ['Cancel trip', 'Re-dispatch', 'Drain', 'Suspend', 'Disconnect', 'Unsuspend']) {
      await expect(page.getByRole('button', { name })).toHaveCount(0);
    }
    await monitor.shot('viewer sees no actions');
  } finally {
    await rider.close();
    await other.close();
  }
});
