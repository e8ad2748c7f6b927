import type { Locator } from '@playwright/test';
import { expect, type Page } from './fixtures.ts';

export const PASSWORD = 'correct horse battery';

/** Signs up on the app at `/rider/` or `/driver/`, then logs out and in again. */
export async function signUpAndLogIn(page: Page, app: 'rider' | 'driver', name: string, username: string) {
  await page.goto(`/${app}/`);
  await page.getByRole('tab', { name: 'Sign up' }).click();
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect(page.getByRole('button', { name: 'Log out' })).toBeVisible();
  await page.getByRole('button', { name: 'Log out' }).click();
  await logIn(page, username, PASSWORD);
  await expect(page.getByText(name).first()).toBeVisible();
}

export async function logIn(page: Page, username: string, password: string) {
  await page.getByRole('tab', { name: 'Log in' }).click();
  await page.getByLabel('Username', { exact: true }).fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

export function connection(page: Page) {
  return page.getByLabel('Connection');
}

export function tripStatus(page: Page) {
  return page.getByRole('region', { name: 'Trip status' });
}

export function currentTrip(page: Page) {
  return page.getByRole('region', { name: 'Current trip' });
}

export function history(page: Page) {
  return page.getByRole('region', { name: 'Trip history' });
}

export function offers(page: Page) {
  return page.getByRole('article', { name: 'Trip offer' });
}

/** The rider fills the form and requests a trip; pickup comes from geolocation unless given. */
export async function requestTrip(page: Page, dropoff: string, pickup?: string) {
  // Typed coordinates are behind "Type coordinates" (map picking comes first).
  if (!(await page.getByLabel('Dropoff', { exact: true }).isVisible())) await page.getByText('Type coordinates').click();
  if (pickup !== undefined) await page.getByLabel('Pickup', { exact: true }).fill(pickup);
  await page.getByLabel('Dropoff', { exact: true }).fill(dropoff);
  await page.getByRole('button', { name: 'Request trip' }).click();
}

/** The rider cancels from "Trip status", giving a reason (the form asks for one). */
export async function cancelAsRider(page: Page, reason = 'My plans changed') {
  await tripStatus(page).getByRole('button', { name: 'Cancel trip' }).click();
  await tripStatus(page).getByRole('radio', { name: reason }).check();
  await tripStatus(page).getByRole('button', { name: 'Confirm cancellation' }).click();
}

/** The driver goes online with simulated driving on, so it streams positions. */
export async function goOnline(page: Page) {
  await page.getByLabel('Simulate driving').check();
  await page.getByRole('button', { name: 'Go online' }).click();
  await expect(page.getByRole('button', { name: 'Go offline' })).toBeVisible();
}

/** The driver marker's latest position as drawn on the rider's map. */
export async function driverMarker(page: Page): Promise<{ lat: number; lng: number }> {
  const marker = page.getByTestId('driver-marker');
  const [lat, lng] = await Promise.all([marker.getAttribute('data-lat'), marker.getAttribute('data-lng')]);
  return { lat: Number(lat), lng: Number(lng) };
}

export async function box(locator: Locator) {
  const b = await locator.boundingBox();
  if (b === null) throw new Error('not laid out');
  return b;
}

export function overlaps(a: { x: number; y: number; width: number; height: number }, b: typeof a): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

/** No toast (event or alert) overlaps any of `targets` on screen. */
export async function expectNoToastOver(page: Page, targets: Locator[]) {
  const toasts = page.getByLabel('Notifications').locator('.toast');
  const count = await toasts.count();
  for (let i = 0; i < count; i++) {
    const t = await box(toasts.nth(i));
    for (const target of targets) {
      expect(overlaps(t, await box(target)), `toast ${i} over ${String(target)}`).toBe(false);
    }
  }
  return count;
}
