// The WASI preview 1 ABI: numbers and struct layouts, with no behaviour.
export * from './errno.js';
export * from './filetype.js';
export * from './flags.js';
export * from './layouts.js';
export * from './rights.js';
