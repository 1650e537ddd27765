import { ErrorCode, GatewayError, appendOutcomeUnknown, backendUnavailable } from '../../errors.js';

/** Turns anything Redis throws into the gateway's error: unreachable or overloaded Redis is a retriable 503. */
export function storeError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if (message.includes('STREAMGATE')) {
    return new GatewayError(ErrorCode.BACKEND_ERROR, message.replace(/^.*STREAMGATE /, 'Partition log is inconsistent: '), { cause: error });
  }
  if (error instanceof Error && error.name === 'ReplyError' && !/OOM|LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY/.test(message)) {
    return new GatewayError(ErrorCode.BACKEND_ERROR, `Redis refused a command: ${message}`, { cause: error });
  }
  return backendUnavailable(message, error);
}

/**
 * An append's failure. Redis refusing it (an error reply) or the client never sending it (no
 * connection: no offline queue) left nothing written; a timeout or a dropped connection may have
 * come after Redis applied it, and the error says so.
 */
export function appendError(error: unknown): GatewayError {
  if (error instanceof GatewayError) return error;
  const message = error instanceof Error ? error.message : String(error);
  if ((error instanceof Error && error.name === 'ReplyError') || /enableOfflineQueue options is false/.test(message)) return storeError(error);
  return appendOutcomeUnknown(message, error);
}

/** append.lua's refusal of a partition without metadata (see there). */
export const isNewPartition = (error: unknown): boolean => error instanceof Error && error.message.startsWith('SGNEW');
