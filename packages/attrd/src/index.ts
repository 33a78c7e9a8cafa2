export * from './table.js';
export * from './protocol.js';
export { AttrdDaemon } from './daemon.js';
