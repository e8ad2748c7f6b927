/// <reference types="vitest/config" />
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const page = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// Four pages, one per app: `/` (landing), `/rider/`, `/driver/`, `/monitor/`.
// `hail serve` serves `dist/` with the API on the same origin.
export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    rolldownOptions: {
      input: {
        main: page('./index.html'),
        rider: page('./rider/index.html'),
        driver: page('./driver/index.html'),
        monitor: page('./monitor/index.html'),
      },
    },
  },
  server: {
    // `make run` serves the API on 127.0.0.1:8080 (HAIL_DEV_API overrides); the dev server forwards to it.
    proxy: {
      '/api': process.env.HAIL_DEV_API ?? 'http://127.0.0.1:8080',
      '/ws': { target: (process.env.HAIL_DEV_API ?? 'http://127.0.0.1:8080').replace(/^http/, 'ws'), ws: true },
    },
  },
  test: {
    environment: 'node',
    // `.test.tsx` files pick jsdom with a `// @vitest-environment jsdom` line.
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
