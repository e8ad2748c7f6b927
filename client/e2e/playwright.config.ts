import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests of the rider and driver apps: Debian's Chromium
 * (`/usr/bin/chromium`, installed by `.ci/chromium.sh`; Playwright's own
 * browser download cannot work here) against a real `hail serve` per test,
 * on the embedded store so each test starts from an empty system.
 */
export default defineConfig({
  testDir: './tests',
  outputDir: './results',
  // Each test runs its own server; two cores are shared with it.
  workers: 1,
  fullyParallel: false,
  forbidOnly: !!process.env.CI,
  retries: 0,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    headless: true,
    viewport: { width: 1280, height: 800 },
    actionTimeout: 15_000,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      // As root in a closed network: no sandbox, and no background traffic
      // to Google that this machine refuses (FACTS / machine notes).
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
