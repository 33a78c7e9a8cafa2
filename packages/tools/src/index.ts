export * from './cluster-status.js';
export * from './placement.js';
export * from './attributes.js';
