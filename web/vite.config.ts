import { fileURLToPath, URL } from 'node:url';
import tailwindcss from '@tailwindcss/vite';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vitest/config';

// Third-party code in chunks of its own, so they stay cached across deploys of the console's code. Each
// page is a lazy chunk (src/app/router.tsx); what no group names is split by Rolldown where it is used.
// A module id inside one of the packages named (regular-expression fragments; `/` stands for either separator).
const sep = String.raw`[\\/]`;
const nodeModule = (...names: string[]) =>
  new RegExp(`${sep}node_modules${sep}(?:${names.join('|').replaceAll('/', sep)})${sep}`);
const vendorChunks = [
  {
    name: 'react',
    test: nodeModule('react', 'react-dom', 'scheduler', 'react-router', 'cookie', 'set-cookie-parser'),
    priority: 30,
  },
  { name: 'query', test: nodeModule('@tanstack/query-core', '@tanstack/react-query'), priority: 20 },
  {
    name: 'ui',
    test: nodeModule(
      'radix-ui',
      '@radix-ui/[\\w.-]+',
      'react-remove-scroll',
      'react-remove-scroll-bar',
      'aria-hidden',
      'use-sidecar',
      'use-callback-ref',
      'react-style-singleton',
      'get-nonce',
      'detect-node-es',
      'tslib',
      '@floating-ui/[\\w.-]+',
      'sonner',
      'tailwind-merge',
      'clsx',
      'class-variance-authority',
    ),
    priority: 10,
    // Only what the entry needs; the primitives of one page stay in that page's chunk.
    tags: ['$initial' as const],
  },
];

// The console is served by the gateway at `/`; in development Vite proxies the API to a running gateway.
const gateway = process.env.LOOKALIKE_GATEWAY_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), tailwindcss()],
  resolve: { alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) } },
  server: {
    port: 5173,
    proxy: { '/api': gateway, '/docs': gateway, '/healthz': gateway },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: true,
    // Vite's default limit (500 kB): the largest chunk is now react-dom and the router.
    rolldownOptions: { output: { codeSplitting: { groups: vendorChunks } } },
  },
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
