/**
 * What a command needs to talk to the CIB daemon, without the daemon's own modules (the store,
 * replication, the messaging layer): the model, the protocol and its client. Commands start
 * faster for it (`@heartbeat-ts/cib/client`).
 */
export * from './model.js';
export * from './protocol.js';
export * from './validate.js';
