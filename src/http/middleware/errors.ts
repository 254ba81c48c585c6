/**
 * Turns every error into `{ "error": { "code", "message", "requestId", "details"? } }` with the status the error
 * catalogue (src/errors.ts) gives its code; unknown errors are 500 `internal_error` and logged. Outages are 503 with Retry-After, never 500: PostgreSQL unreachable → `database_unavailable`, a row
 * lock or statement that took too long → `database_busy`, storage down → `storage_unavailable`.
 */
import type { ErrorRequestHandler, RequestHandler } from 'express';
import { MulterError } from 'multer';
import { AppError } from '../../errors.js';
import { isConnectionError } from '../../db/pool.js';
import { StorageUnavailableError } from '../../storage/storage.js';
import type { Logger } from '../../logger.js';

/** 404 `not_found` for any route that matched nothing. */
export const routeNotFound: RequestHandler = (req) => {
  throw new AppError({ code: 'not_found', message: `no route for ${req.method} ${req.path}` });
};

/** lock_not_available (lock_timeout) and query_canceled (statement_timeout): someone else holds what we need. */
const BUSY_STATES = new Set(['55P03', '57014']);

/** Maps outages, express's body parsers' and multer's errors to AppErrors; anything else stays unknown (500). */
function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof StorageUnavailableError) {
    return new AppError({ code: 'storage_unavailable', message: 'image storage is unavailable; try again shortly' });
  }
  if (isConnectionError(error)) {
    return new AppError({ code: 'database_unavailable', message: 'the database is unavailable; try again shortly' });
  }
  if (BUSY_STATES.has(String((error as { code?: unknown }).code))) {
    return new AppError({ code: 'database_busy', message: 'this record is being changed by another request; try again shortly' });
  }
  if (error instanceof MulterError) {
    if (error.code === 'LIMIT_FILE_SIZE') {
      return new AppError({ code: 'payload_too_large', message: 'the file is larger than the upload limit' });
    }
    return new AppError({ code: 'bad_request', message: `bad multipart upload: ${error.message}` });
  }
  const status = (error as { status?: unknown; type?: unknown }).status;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const type = (error as { type?: unknown }).type;
    const code =
      type === 'entity.too.large' || status === 413 ? 'payload_too_large' : status === 415 ? 'unsupported_media_type' : 'bad_request';
    return new AppError({ code, message: (error as Error).message });
  }
  return null;
}

/** `res.locals` key set when the answer is an expected 5xx (AppError.expected): the request log treats it as an answer. */
const EXPECTED_ERROR = 'imgmodExpectedError';

/** True when the error middleware answered `res` with an expected 5xx (see EXPECTED_ERROR). */
export function answeredExpectedError(res: object): boolean {
  return (res as { locals?: Record<string, unknown> }).locals?.[EXPECTED_ERROR] === true;
}

/** The one error middleware, mounted last; an expected 5xx (AppError.expected) is not logged as a warning. */
export function errorMiddleware(logger: Logger): ErrorRequestHandler {
  return (error, req, res, _next) => {
    const appError = toAppError(error);
    if (!appError) {
      logger.error({ err: error, method: req.method, url: req.originalUrl }, 'unhandled error');
    } else if (appError.expected) {
      res.locals[EXPECTED_ERROR] = true;
    } else if (appError.httpStatus >= 500) {
      logger.warn({ err: error, method: req.method, url: req.originalUrl }, appError.message);
    }
    const known = appError ?? new AppError({ code: 'internal_error', message: 'something went wrong on our side' });
    const body = {
      code: known.code,
      message: known.message,
      requestId: typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : '',
      ...(known.details ? { details: known.details } : {}),
    };
    const status = known.httpStatus;
    if (res.headersSent) return;
    if (known.retryAfterSeconds !== undefined && (status === 503 || status === 429) && !res.getHeader('Retry-After')) {
      res.set('Retry-After', String(known.retryAfterSeconds));
    }
    res.status(status).json({ error: body });
  };
}
