import type { ReaderWriterCheck } from './types.js';

/** Temporary stand-in until the JSON Schema compatibility checker lands: every schema reads every other. */
export const jsonSchemaCanRead: ReaderWriterCheck = () => [];
