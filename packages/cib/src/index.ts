export * from './xml.js';
export * from './model.js';
export * from './validate.js';
