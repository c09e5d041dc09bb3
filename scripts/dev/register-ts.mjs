// Lets plain `node` run this repository's TypeScript sources (Node 20 cannot strip types):
//   node --import ./scripts/dev/register-ts.mjs bench/seed-startup.ts
// Resolves workspace packages through their "source" export condition, maps `./x.js` imports to
// `./x.ts` when only the source exists, and compiles .ts files with SWC (the compiler the build
// uses, keeping decorator metadata). Development only: built code runs from dist/ without it.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
