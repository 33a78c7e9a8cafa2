export * from './ocf.js';
export * from './run-agent.js';
