export * from './xml.js';
export * from './model.js';
export * from './validate.js';
export * from './store.js';
export * from './persistence.js';
export * from './protocol.js';
export { CibDaemon } from './daemon.js';
export * from './patchset.js';
