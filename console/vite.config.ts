import preact from '@preact/preset-vite'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// The console is served by the Worker at /console/ from Workers static assets (wrangler.toml
// [assets] directory = console/dist). Built by scripts/build-console.mjs; never bundled into the Worker.
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/console/',
  plugins: [preact()],
  build: {
    outDir: fileURLToPath(new URL('./dist/console', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: false,
    // Everything in files: the Content-Security-Policy allows no inline script, style or data: fonts.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
})
