import { expect, test } from '../support/fixtures.ts';
import { logIn, signUpAndLogIn } from '../support/apps.ts';

test('a wrong password is shown, and sign-up errors too', async ({ rider }) => {
  const { page } = rider;
  await page.goto('/rider/');
  await logIn(page, 'nobody', 'wrong password');
  // The server's own message, not a generic one.
  await expect(page.getByRole('alert')).toContainText('wrong username or password');
  await expect(page.getByRole('button', { name: 'Log out' })).toHaveCount(0);
  await rider.shot('log-in error');

  await signUpAndLogIn(page, 'rider', 'Una User', 'una');
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByRole('tab', { name: 'Sign up' }).click();
  await page.getByLabel('Name', { exact: true }).fill('Una Again');
  await page.getByLabel('Username', { exact: true }).fill('una');
  await page.getByLabel('Password', { exact: true }).fill('another password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('alert')).toContainText('username is taken');
  await rider.shot('sign-up error');
});
