/** The Confluent error body every failing request answers with. */
export const ErrorBody = {
  $id: 'ErrorBody',
  type: 'object',
  required: ['error_code', 'message'],
  properties: {
    error_code: { type: 'integer', description: 'Confluent error code; its first three digits are the HTTP status.' },
    message: { type: 'string' },
  },
} as const;

export const errorResponses = {
  400: { $ref: 'ErrorBody#' },
  404: { $ref: 'ErrorBody#' },
  422: { $ref: 'ErrorBody#' },
  500: { $ref: 'ErrorBody#' },
  503: { $ref: 'ErrorBody#' },
} as const;
