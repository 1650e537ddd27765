import type { ReaderWriterCheck } from './types.js';

/** Temporary stand-in until the Avro compatibility checker lands: every schema reads every other. */
export const avroCanRead: ReaderWriterCheck = () => [];
