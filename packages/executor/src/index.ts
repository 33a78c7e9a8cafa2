export * from './ocf.js';
export * from './agent-classes.js';
export * from './metadata.js';
export * from './digest.js';
export * from './run-agent.js';
export * from './executor.js';
export * from './protocol.js';
export * from './client.js';
export { ExecutorDaemon } from './daemon.js';
