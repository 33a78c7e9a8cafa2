export { defineAgent, readParams, runCommand, have, ParamError, type Agent } from './agent.js';
export { metadataXml } from './metadata.js';
export { OCF, isTrue } from './ocf.js';
export * from './state.js';
export type * from './types.js';
