/** Pure codecs shared by the server and the client. */
export * from './errors.js';
export * from './engine-packet.js';
export * from './socket-packet.js';
export { deconstruct, reconstruct, isAttachment } from './binary.js';
export type { Placeholder } from './binary.js';
