import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/bin.ts'],
  format: ['esm'],
  dts: false,
  sourcemap: true,
  clean: true,
  target: 'node20',
  // One file instead of zod's dozen modules: every stasis command validates with zod, and
  // resolving modules is a visible part of a `stasis state` round trip.
  noExternal: ['zod'],
});
