/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// One page for now; the rider and driver apps become further inputs later.
export default defineConfig({
  plugins: [react()],
  server: {
    // `make run` serves the API on 127.0.0.1:8080; the dev server forwards to it.
    proxy: {
      '/api': 'http://127.0.0.1:8080',
      '/ws': { target: 'ws://127.0.0.1:8080', ws: true },
    },
  },
  test: {
    environment: 'node',
    include: ['src/**/*.test.ts'],
  },
});
