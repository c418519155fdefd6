/**
 * Builds the operator UI into ui/dist, which the bridge serves at `/`.
 * `npm run dev -w ui` proxies /ws and /api to a bridge on CELLKIT_BRIDGE
 * (default http://127.0.0.1:8080) so the page talks to the same origin
 * paths in development as in production.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const bridge = process.env.CELLKIT_BRIDGE ?? 'http://127.0.0.1:8080';

export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: {
    proxy: {
      '/api': bridge,
      '/ws': { target: bridge.replace(/^http/, 'ws'), ws: true },
    },
  },
});
