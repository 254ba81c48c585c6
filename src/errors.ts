/**
 * The one error type of imgmod: a machine-readable code, an HTTP status and a human message.
 * The error middleware turns it into `{ "error": { "code", "message" } }`.
 */
export class AppError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly details: Record<string, unknown> | undefined;

  constructor(options: { code: string; httpStatus: number; message: string; details?: Record<string, unknown> }) {
    super(options.message);
    this.name = 'AppError';
    this.code = options.code;
    this.httpStatus = options.httpStatus;
    this.details = options.details;
  }
}

/** 404 for an id that does not exist. */
export function notFound(what: string): AppError {
  return new AppError({ code: 'not_found', httpStatus: 404, message: `${what} not found` });
}

/** 400 for a request whose body, query or parameters are malformed. */
export function badRequest(message: string, details?: Record<string, unknown>): AppError {
  return new AppError({ code: 'bad_request', httpStatus: 400, message, ...(details ? { details } : {}) });
}
