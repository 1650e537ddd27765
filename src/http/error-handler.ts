import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorCode, GatewayError } from '../errors.js';

/** The Confluent error body: `{"error_code": <int>, "message": "<text>"}`. */
export interface ErrorBody {
  error_code: number;
  message: string;
}

function isFastifyError(error: unknown): error is FastifyError {
  return typeof error === 'object' && error !== null && 'code' in error && typeof (error as { code: unknown }).code === 'string';
}

/** Maps any thrown error to a Confluent-style body; unexpected errors become 500 with details only in the log. */
export function toErrorBody(error: unknown): { status: number; body: ErrorBody; unexpected: boolean } {
  if (error instanceof GatewayError) {
    return { status: error.status, body: { error_code: error.errorCode, message: error.message }, unexpected: false };
  }
  if (isFastifyError(error)) {
    if (error.validation) {
      return { status: 422, body: { error_code: ErrorCode.UNPROCESSABLE, message: `Invalid request: ${error.message}` }, unexpected: false };
    }
    switch (error.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return {
          status: 413,
          body: { error_code: ErrorCode.PAYLOAD_TOO_LARGE, message: 'Request body is larger than the configured limit.' },
          unexpected: false,
        };
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return { status: 415, body: { error_code: ErrorCode.UNSUPPORTED_MEDIA_TYPE, message: error.message }, unexpected: false };
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return { status: 400, body: { error_code: ErrorCode.BAD_REQUEST, message: error.message }, unexpected: false };
    }
    if (error instanceof SyntaxError || error.statusCode === 400) {
      return { status: 400, body: { error_code: ErrorCode.BAD_REQUEST, message: `Malformed request body: ${error.message}` }, unexpected: false };
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return { status: error.statusCode, body: { error_code: error.statusCode, message: error.message }, unexpected: false };
    }
  }
  if (error instanceof SyntaxError) {
    return { status: 400, body: { error_code: ErrorCode.BAD_REQUEST, message: `Malformed request body: ${error.message}` }, unexpected: false };
  }
  return { status: 500, body: { error_code: ErrorCode.INTERNAL, message: 'Internal server error' }, unexpected: true };
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const { status, body, unexpected } = toErrorBody(error);
    if (unexpected) request.log.error({ err: error }, 'unexpected error');
    else if (status >= 500) request.log.warn({ err: error }, body.message);
    if (error instanceof GatewayError && error.retriable) reply.header('retry-after', '1');
    return reply.status(status).send(body);
  });
  app.setNotFoundHandler((request, reply) => {
    return reply.status(404).send({ error_code: ErrorCode.NOT_FOUND, message: `HTTP 404 Not Found: ${request.method} ${request.url.split('?')[0]}` });
  });
}
