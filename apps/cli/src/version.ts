import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

/** VERSION is the @stasis/cli package version, reported by `stasis --version` and recorded in images. */
export const VERSION: string = (require('../package.json') as { version: string }).version;
