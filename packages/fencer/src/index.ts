export * from './devices.js';
export * from './protocol.js';
export { FencerDaemon, type FencerOptions } from './daemon.js';
