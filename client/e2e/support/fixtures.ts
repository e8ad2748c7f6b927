import { test as base, expect, type Browser, type Page, type TestInfo } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HailServer } from './server.ts';

const screenshots = path.join(path.dirname(fileURLToPath(import.meta.url)), '../screenshots');

/** Where the two people of a test stand: Berlin, Alexanderplatz and ~300 m north. */
export const PICKUP = { latitude: 52.5219, longitude: 13.4132 };
export const DRIVER_START = { latitude: 52.5246, longitude: 13.4132 };
export const DROPOFF = '52.5163, 13.3777';

/** A page plus a numbered screenshot per screen it shows, under `screenshots/<test>/`. */
export interface Person {
  page: Page;
  shot(name: string): Promise<void>;
}

interface Fixtures {
  /** Extra `HAIL_*` settings for this file's server (short timeouts, ...). */
  serverEnv: Record<string, string>;
  server: HailServer;
  rider: Person;
  driver: Person;
  /** A third browser for the admin monitor (`/monitor/`). */
  monitor: Person;
}

async function person(
  browser: Browser,
  server: HailServer,
  testInfo: TestInfo,
  who: string,
  geolocation: { latitude: number; longitude: number },
): Promise<{ person: Person; close: () => Promise<void> }> {
  const context = await browser.newContext({
    baseURL: server.url,
    geolocation,
    permissions: ['geolocation'],
  });
  const page = await context.newPage();
  // A page error is a bug even when the screen still looks right.
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(`${who}: ${e.message}`));
  // So is anything the server's Content-Security-Policy blocks.
  page.on('console', (msg) => {
    if (msg.type() === 'error' && /Content Security Policy/i.test(msg.text())) {
      errors.push(`${who}: ${msg.text()}`);
    }
  });
  const dir = path.join(screenshots, slug(testInfo.titlePath.slice(1).join(' ')));
  mkdirSync(dir, { recursive: true });
  let n = 0;
  return {
    person: {
      page,
      shot: async (name) => {
        n += 1;
        const file = path.join(dir, `${who}-${String(n).padStart(2, '0')}-${slug(name)}.png`);
        await page.screenshot({ path: file, fullPage: true });
      },
    },
    close: async () => {
      await context.close();
      expect(errors, 'uncaught errors in the page').toEqual([]);
    },
  };
}

function slug(s: string): string {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
}

export const test = base.extend<Fixtures>({
  serverEnv: [{}, { option: true }],
  server: async ({ serverEnv }, use, testInfo) => {
    const server = await HailServer.start(serverEnv);
    await use(server);
    if (testInfo.status !== testInfo.expectedStatus) {
      await testInfo.attach('hail serve log', { body: server.output, contentType: 'text/plain' });
    }
    await server.dispose();
  },
  rider: async ({ browser, server }, use, testInfo) => {
    const { person: p, close } = await person(browser, server, testInfo, 'rider', PICKUP);
    await use(p);
    await close();
  },
  driver: async ({ browser, server }, use, testInfo) => {
    const { person: p, close } = await person(browser, server, testInfo, 'driver', DRIVER_START);
    await use(p);
    await close();
  },
  monitor: async ({ browser, server }, use, testInfo) => {
    const { person: p, close } = await person(browser, server, testInfo, 'monitor', PICKUP);
    await use(p);
    await close();
  },
});

export { expect };
export type { Page } from '@playwright/test';
