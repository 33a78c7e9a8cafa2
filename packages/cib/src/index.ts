export * from './xml.js';
export * from './model.js';
export * from './validate.js';
export * from './store.js';
export * from './persistence.js';
