import { readFileSync } from 'node:fs';

/**
 * VERSION is the @stasis/cli package version, reported by `stasis --version` and recorded in
 * images. Read as a file, not with require(): starting Node's CommonJS loader for one JSON file
 * cost every command a few milliseconds of startup.
 */
export const VERSION: string = (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
