export * from './internal-error.js';
export * from './sys-error.js';
