/** The `error` of a record read in a format its bytes do not fit (every transport sets it the same way). */
export const RECORD_ERROR_DESCRIPTION =
  'Set when the key or value cannot be given in the asked format: under json, bytes that are not JSON text (not UTF-8, not JSON, or nested deeper than 100 levels); ' +
  'under a schema format, bytes that are not its wire format or name an unknown schema. That part is then given as base64 and the message names it, e.g. ' +
  '`Cannot decode as json (value: not valid JSON text); the bytes are given as base64.` The record is still delivered.';
