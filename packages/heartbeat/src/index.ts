export * from './wire/ha-message.js';
export * from './wire/classic.js';
export * from './wire/netstring.js';
export * from './wire/auth.js';
export * from './wire/codec.js';
