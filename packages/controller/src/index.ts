export * from './election.js';
export * from './lrm.js';
export * from './protocol.js';
export * from './status.js';
export * from './transition.js';
export { ControllerDaemon } from './controller.js';
