import { fileURLToPath, URL } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// The console is served by the gateway at `/`; in development Vite proxies the API to a running gateway.
const gateway = process.env.LOOKALIKE_GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    port: 5173,
    proxy: { '/api': gateway, '/docs': gateway, '/healthz': gateway },
  },
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 900 },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
    setupFiles: ['./test/setup.ts'],
    css: false,
    restoreMocks: true,
    // One jsdom per worker instead of one per file: the files share nothing but the MSW server, whose
    // handlers are reset after every test, and the auth store, which the helpers set per test.
    pool: 'threads',
    isolate: false,
    testTimeout: 15000,
    environmentOptions: { jsdom: { url: 'http://localhost:3000/' } },
  },
});
