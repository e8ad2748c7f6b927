import { PICKUP, expect, test, type Page } from '../support/fixtures.ts';
import { PASSWORD } from '../support/apps.ts';
import { createAdmin } from '../support/admin.ts';
import { ScriptedClient, logInToken, signUp } from '../support/scripted.ts';

// The user page (issue 15): an operator opens a rider's page from their
// trip, suspends them (the rider can no longer log in), sees the suspension
// and its audit entry at once, and lifts it; a viewer opens the same page by
// its id and sees it without buttons, and a node's page without Drain.
test.use({ serverEnv: { HAIL_HEARTBEAT_MS: '300', HAIL_TRIP_TIMEOUT_SECS: '120' } });

async function logInMonitor(page: Page, username: string) {
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
}

test('an operator suspends and unsuspends a rider from their page; a viewer sees it without buttons', async ({
  server,
  monitor,
}) => {
  const { page } = monitor;
  await createAdmin(server, { username: 'otto', password: PASSWORD, name: 'Otto Operator', role: 'operator' });
  await createAdmin(server, { username: 'vera', password: PASSWORD, name: 'Vera Viewer', role: 'viewer' });
  await signUp(server, 'rider', 'rita', PASSWORD, 'Rita Rider');
  const rider = await ScriptedClient.connect(server, await logInToken(server, 'rita', PASSWORD));
  try {
    const ok = await rider.request({
      type: 'trip.request',
      pickup: { lat: PICKUP.latitude, lng: PICKUP.longitude, address: 'Alexanderplatz' },
      dropoff: { lat: 52.5163, lng: 13.3777 },
      ref: '1',
    });
    const trip = ok.trip as { id: string; rider: { id: string } };
    const riderId = trip.rider.id;

    await page.goto('/monitor/');
    await logInMonitor(page, 'otto');
    await page.getByRole('search').getByRole('searchbox').fill('rider:rita');
    await page.getByRole('search').getByRole('button', { name: 'Search' }).click();
    const found = page.getByRole('table', { name: 'Trips found' }).locator('tbody tr');
    await expect(found).toHaveCount(1);
    await found.first().getByRole('button').click();
    // The trip names its rider; the name opens the rider's page.
    await page.getByLabel('Trip parties').getByRole('link', { name: 'Rita Rider' }).click();
    const userPage = page.getByRole('region', { name: 'User page' });
    await expect(userPage.getByRole('heading', { name: 'Rider Rita Rider' })).toBeVisible();
    await expect(userPage.getByText(riderId)).toBeVisible();
    await expect(userPage.getByLabel('Account state')).toHaveText('active');
    await expect(userPage.getByRole('table', { name: "User's trips" }).locator('tbody tr')).toHaveCount(1);
    await expect(userPage.getByText('never suspended')).toBeVisible();

    const actions = userPage.getByLabel('User actions');
    await expect(actions.getByRole('button', { name: 'Disconnect' })).toBeVisible();
    await expect(actions.getByRole('button', { name: 'Unsuspend' })).toHaveCount(0);
    await actions.getByRole('button', { name: 'Suspend' }).click();
    await actions.getByRole('button', { name: 'Yes' }).click();
    await expect(actions.getByRole('status')).toContainText('Suspend: done');
    // The page shows the new state at once, and the rider is locked out.
    await expect(userPage.getByLabel('Account state')).toHaveText('suspended');
    await expect(userPage.getByRole('list', { name: 'Suspension history' })).toContainText('Suspended by otto');
    const userAudit = userPage.getByRole('table', { name: 'Actions on this user' });
    await expect(userAudit.locator('tbody tr')).toHaveCount(1);
    await expect(userAudit.locator('tbody tr').first()).toContainText('Suspend');
    await expect(userAudit.locator('tbody tr').first()).toContainText('otto');
    await expect(logInToken(server, 'rita', PASSWORD)).rejects.toThrow(/answered 4\d\d/);
    await monitor.shot('operator suspended a rider');

    await actions.getByRole('button', { name: 'Unsuspend' }).click();
    await actions.getByRole('button', { name: 'Yes' }).click();
    await expect(actions.getByRole('status')).toContainText('Unsuspend: done');
    await expect(userPage.getByLabel('Account state')).toHaveText('active');
    await expect(userPage.getByRole('list', { name: 'Suspension history' }).locator('li')).toHaveCount(2);
    await expect(userAudit.locator('tbody tr')).toHaveCount(2);
    await expect(userAudit.locator('tbody tr').first()).toContainText('Unsuspend');
    expect(await logInToken(server, 'rita', PASSWORD)).toBeTruthy();
    // The main audit log lists both, and a target there opens its page too.
    const audit = page.getByRole('table', { name: 'Audit log' });
    await expect(audit.locator('tbody tr')).toHaveCount(2);

    await page.getByRole('button', { name: 'Log out' }).click();
    await logInMonitor(page, 'vera');
    // The viewer opens the page by the user's id.
    await page.getByLabel('User id').fill(riderId);
    await page.getByRole('button', { name: 'Open' }).click();
    await expect(userPage.getByRole('heading', { name: 'Rider Rita Rider' })).toBeVisible();
    await expect(userPage.getByLabel('Account state')).toHaveText('active');
    await expect(userPage.getByRole('table', { name: 'Actions on this user' }).locator('tbody tr')).toHaveCount(2);
    await expect(userPage.getByRole('list', { name: 'Suspension history' }).locator('li')).toHaveCount(2);
    for (const name of ['Suspend', 'Unsuspend', 'Disconnect']) {
      await expect(page.getByRole('button', { name })).toHaveCount(0);
    }
    await expect(page.getByLabel('User actions')).toHaveCount(0);
    // Its trip opens the trip, whose rider link leads back to the page.
    await userPage.getByRole('table', { name: "User's trips" }).getByRole('link').click();
    await expect(page.getByLabel('Trip parties').getByRole('link', { name: 'Rita Rider' })).toBeVisible();
    await monitor.shot('viewer sees the user page without buttons');
    // The node page opens from the nodes list, without Drain for a viewer.
    const nodeId = (await page.getByRole('table', { name: 'Nodes' }).locator('tbody th').first().textContent()) ?? '';
    await page.getByRole('table', { name: 'Nodes' }).getByRole('link', { name: nodeId }).click();
    const nodePage = page.getByRole('region', { name: 'Node page' });
    await expect(nodePage.getByRole('heading', { name: `Node ${nodeId}` })).toBeVisible();
    await expect(nodePage.getByRole('table', { name: 'Node tasks' })).toContainText('dispatch_round');
    await expect(nodePage.getByRole('table', { name: 'Node trips' }).locator('tbody tr')).toHaveCount(1);
    await expect(page.getByRole('button', { name: 'Drain' })).toHaveCount(0);
  } finally {
    await rider.close();
  }
});
