import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * The site: `npm run build:site` writes site/dist, which `npm start` serves at `/` and the
 * Pages workflow publishes. `VITE_API_URL` sets the default API (empty = same origin).
 * Relative asset paths let the same build work under a Pages project path.
 */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
  },
});
