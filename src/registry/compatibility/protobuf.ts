import type { ReaderWriterCheck } from './types.js';

/** Temporary stand-in until the Protobuf compatibility checker lands: every schema reads every other. */
export const protobufCanRead: ReaderWriterCheck = () => [];
