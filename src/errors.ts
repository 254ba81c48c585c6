/**
 * The error catalogue: every `code` a client can receive, with its HTTP status and what it means, defined once.
 * The error middleware answers `{ "error": { "code", "message", "requestId", "details"? } }`; GET /v1/error-codes
 * serves this table to clients (the widget and the moderator page match on these codes), and a test checks that
 * every code the front ends handle is here.
 */

/** One entry of the catalogue. `retryAfterSeconds` is sent as Retry-After with every 503 (and 429). */
export interface ErrorSpec {
  httpStatus: number;
  /** What the code means, for API documentation and as the message when none is given. */
  meaning: string;
  retryAfterSeconds?: number;
  /** A 5xx that is a normal state, not a failure (an image still being processed): logged as an answer, not an error. */
  expected?: true;
}

export const ERROR_CATALOGUE = {
  bad_request: { httpStatus: 400, meaning: 'the body, query or parameters are malformed; `message` says which field' },
  invalid_cursor: { httpStatus: 400, meaning: 'pass back the nextCursor of a previous page of the same listing and sort' },
  invalid_bank_file: { httpStatus: 400, meaning: 'a hash bank import has lines that are not `pdq_hex[,quality]`' },
  empty_file: { httpStatus: 400, meaning: 'the uploaded file is empty' },
  unauthorized: { httpStatus: 401, meaning: 'a valid token, session or reader cookie is required' },
  forbidden: { httpStatus: 403, meaning: 'the caller lacks the role this needs' },
  anonymous_reports_disabled: { httpStatus: 403, meaning: 'this site does not accept anonymous reports' },
  origin_not_allowed: {
    httpStatus: 403,
    meaning:
      "the request came from an origin that is not in ALLOWED_ORIGINS nor an active site's allowed origins, or not one of the site the page names",
  },
  site_disabled: { httpStatus: 403, meaning: 'the site of this page is disabled by the operator' },
  demo_reader: { httpStatus: 403, meaning: "demo readers may only report the demo page's photos" },
  token_signin_disabled: { httpStatus: 403, meaning: "moderators sign in with the organisation's OpenID provider" },
  not_found: { httpStatus: 404, meaning: 'no such record or route' },
  image_unavailable: { httpStatus: 404, meaning: 'the image could not be processed and is never served' },
  original_missing: { httpStatus: 404, meaning: "the image's original bytes are missing from storage" },
  oidc_not_configured: { httpStatus: 404, meaning: 'OpenID Connect sign-in is not configured' },
  site_exists: { httpStatus: 409, meaning: 'a site with this id or reader token issuer exists' },
  site_protected: { httpStatus: 409, meaning: 'the first-party site "default" cannot be disabled' },
  appeal_exists: { httpStatus: 409, meaning: 'this image already has an open appeal' },
  not_appealable: { httpStatus: 409, meaning: 'only a blocked image can be appealed, by its uploader' },
  bank_managed: { httpStatus: 409, meaning: 'this hash bank is kept by imgmod itself' },
  image_not_reportable: { httpStatus: 409, meaning: 'the image is no longer up, so it cannot be reported' },
  invalid_transition: { httpStatus: 409, meaning: "this decision is not possible from the image's current status" },
  status_changed: { httpStatus: 409, meaning: 'the image changed since the moderator saw it; `details.status` is its status now' },
  external_id_taken: { httpStatus: 409, meaning: 'an image with this externalId is already registered; `details.imageId` names it' },
  too_many_endpoints: { httpStatus: 409, meaning: 'the site has as many webhook endpoints as it may (20); `details.maxEndpoints`' },
  image_purged: { httpStatus: 410, meaning: 'the image was removed and its bytes deleted' },
  payload_too_large: { httpStatus: 413, meaning: 'the body is larger than the limit (MAX_UPLOAD_BYTES for files)' },
  unsupported_media_type: { httpStatus: 415, meaning: 'not a supported image type (JPEG, PNG, WebP, GIF, AVIF), decided from the bytes' },
  image_corrupt: { httpStatus: 422, meaning: 'the image cannot be decoded (truncated or damaged)' },
  image_too_large: { httpStatus: 422, meaning: 'the image has too many pixels or too long a side (MAX_IMAGE_PIXELS, MAX_IMAGE_SIDE)' },
  too_many_frames: { httpStatus: 422, meaning: 'the animation has more frames than MAX_ANIMATION_FRAMES' },
  processing_timeout: { httpStatus: 422, meaning: 'the image took longer than JOB_TIMEOUT_MS to process; it is not known to be corrupt' },
  url_not_allowed: {
    httpStatus: 422,
    meaning: 'the URL is not one imgmod fetches: only http(s), no user:password@, and only a host the site lists',
  },
  url_resolves_to_private_address: {
    httpStatus: 422,
    meaning: 'the URL (or a redirect) leads to a private, loopback, link-local or otherwise non-public address; `details.range` says which',
  },
  too_many_redirects: { httpStatus: 422, meaning: 'the URL redirected more than 3 times' },
  fetch_too_large: { httpStatus: 422, meaning: 'the fetched file is larger than the limit (MAX_UPLOAD_BYTES), declared or streamed' },
  fetch_timeout: { httpStatus: 422, meaning: 'fetching the URL took longer than its time budget (FETCH_TIMEOUT_MS)' },
  fetch_failed: {
    httpStatus: 422,
    meaning: 'the URL could not be fetched: its host did not resolve or answer, or answered other than 2xx (`details.status`)',
  },
  rate_limited: {
    httpStatus: 429,
    meaning: 'too many reports from this reader or network; wait `Retry-After` seconds',
    retryAfterSeconds: 60,
  },
  internal_error: { httpStatus: 500, meaning: 'something went wrong on our side (logged with the request id)' },
  image_processing: { httpStatus: 503, meaning: 'the image is still being processed', retryAfterSeconds: 1, expected: true },
  image_busy: { httpStatus: 503, meaning: 'another change holds this image', retryAfterSeconds: 1 },
  too_many_uploads: { httpStatus: 503, meaning: 'too many uploads at once (UPLOAD_CONCURRENCY)', retryAfterSeconds: 1 },
  database_busy: { httpStatus: 503, meaning: 'this record is being changed by another request', retryAfterSeconds: 1 },
  database_unavailable: { httpStatus: 503, meaning: 'the database is unavailable', retryAfterSeconds: 5 },
  storage_unavailable: { httpStatus: 503, meaning: 'image storage is unavailable', retryAfterSeconds: 5 },
  reader_keys_unavailable: { httpStatus: 503, meaning: "the host site's signing keys (JWKS) could not be fetched", retryAfterSeconds: 30 },
} as const satisfies Record<string, ErrorSpec>;

/** Every code a client can receive. */
export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/**
 * The one error type of imgmod: a catalogued code (which fixes the HTTP status), a message for this occurrence,
 * optional details, and for 429/503 the seconds a client should wait (the catalogue's by default).
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(options: { code: ErrorCode; message?: string; details?: Record<string, unknown>; retryAfterSeconds?: number }) {
    const spec: ErrorSpec = ERROR_CATALOGUE[options.code];
    super(options.message ?? spec.meaning);
    this.name = 'AppError';
    this.code = options.code;
    this.details = options.details;
    this.retryAfterSeconds = options.retryAfterSeconds ?? spec.retryAfterSeconds;
  }

  /** The HTTP status of this error's code. */
  get httpStatus(): number {
    return ERROR_CATALOGUE[this.code].httpStatus;
  }

  /** True when the code's status is a normal state rather than a failure (ErrorSpec.expected). */
  get expected(): boolean {
    return (ERROR_CATALOGUE[this.code] as ErrorSpec).expected === true;
  }
}

/** 404 `not_found` for an id that does not exist. */
export function notFound(what: string): AppError {
  return new AppError({ code: 'not_found', message: `${what} not found` });
}

/** 400 `bad_request` for a request whose body, query or parameters are malformed. */
export function badRequest(message: string, details?: Record<string, unknown>): AppError {
  return new AppError({ code: 'bad_request', message, ...(details ? { details } : {}) });
}
