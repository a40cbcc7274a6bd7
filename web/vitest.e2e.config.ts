import { defineConfig } from 'vitest/config';

// The browser end-to-end test: Debian's Chromium driven by playwright-core against a running stack
// (`make demo`), E2E_BASE_URL (default http://127.0.0.1:8080).
export default defineConfig({
  test: {
    environment: 'node',
    include: ['test/e2e/**/*.e2e.ts'],
    testTimeout: 240_000,
    hookTimeout: 150_000,
    fileParallelism: false,
  },
});
