/**
 * What a command or a daemon's client needs, without the daemons' machinery (logging, process
 * supervision, fence agents): typed IPC clients and protocols, errors and exit codes, XML,
 * durations, paths and command-line options. Commands import this, so that they start fast.
 */
export * from './errors.js';
export * from './schema.js';
export * from './framing.js';
export * from './protocol.js';
export * from './ipc-client.js';
export * from './paths.js';
export * from './xml.js';
export * from './durations.js';
export * from './param-digest.js';
export { resolveGid, groupName } from './unix-groups.js';
export * from './cli-output.js';
