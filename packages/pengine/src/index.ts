export * from './scores.js';
export * from './rules.js';
export * from './working-set.js';
export * from './schedule.js';
export * from './simulate.js';
export * from './generate.js';
