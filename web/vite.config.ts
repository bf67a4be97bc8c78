/**
 * The inspector page (web/): `npm run web` serves it, `npm run web:build` writes static files to
 * web/dist that can be hosted anywhere (relative URLs, so a bucket website's sub-path works too).
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 1024 },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
});
