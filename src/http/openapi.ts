/**
 * The OpenAPI 3.1 document of imgmod's HTTP API, generated from the zod schemas the routes validate requests
 * with (each route module exports its schemas) and from the error catalogue (src/errors.ts). Served at
 * /openapi.json; /docs renders it. A test checks that every route the app mounts is here and sends every
 * documented example to the running app.
 */
import { OpenApiGeneratorV31, OpenAPIRegistry, type RouteConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { IMAGE_STATUSES } from '../domain/image-status.js';
import { REPORT_REASONS } from '../domain/reports.js';
import { ERROR_CATALOGUE, type ErrorCode } from '../errors.js';
import { appealBody } from './appeals.routes.js';
import { auditQuery } from './moderation/audit.routes.js';
import { bulkBody, decisionBody } from './moderation/decisions.routes.js';
import { bankBody, bankName, importQuery } from './moderation/hash-banks.routes.js';
import { replayBody } from './moderation/policy.routes.js';
import { queueQuery } from './moderation/queue.routes.js';
import { visibilityQuery } from './readers.routes.js';
import { reportBody } from './reports.routes.js';
import { deliveriesQuery, endpointChangeBody, endpointIdPath, newEndpointBody, siteQuery } from './webhooks.routes.js';
import { WEBHOOK_EVENT_TYPES } from '../domain/webhook-events.js';
import { externalIdQuery, listImagesQuery, registerBody } from './images.routes.js';
import { newApiKeyBody } from './admin-sites.routes.js';
import { newSiteSchema, siteSettingsSchema } from '../sites/site-settings.js';

/** An example image id used throughout the document. */
const EXAMPLE_ID = '3f2c8a1e-5b7d-4c19-9e0a-6d4b2f1c8e77';
const visibilityValue = z.enum(['visible', 'hidden', 'processing', 'unavailable']);

const imageId = z.object({ id: z.uuid().meta({ example: EXAMPLE_ID, description: 'the image id' }) });

const errorBody = z
  .object({
    error: z.object({
      code: z
        .enum(Object.keys(ERROR_CATALOGUE) as [ErrorCode, ...ErrorCode[]])
        .meta({ description: 'a code of the error catalogue (GET /v1/error-codes)' }),
      message: z.string().meta({ description: 'for humans; may change' }),
      requestId: z.string().meta({ description: 'the request id, also in the logs and the X-Request-Id header' }),
      details: z.record(z.string(), z.unknown()).optional(),
    }),
  })
  .meta({ id: 'Error' });

const imageRecord = z
  .object({
    id: z.uuid(),
    siteId: z.string().meta({ description: 'the site the image belongs to (`default`: first-party)' }),
    status: z.enum(IMAGE_STATUSES),
    uploaderId: z.string().optional().meta({ description: 'for moderators and the uploader only' }),
    format: z.string().nullable(),
    mimeType: z.string(),
    width: z.number().int().nullable(),
    height: z.number().int().nullable(),
    frames: z.number().int().nullable(),
    bytes: z.number().int(),
    openReports: z.number().int().optional().meta({ description: 'in GET /v1/images/{id} only' }),
    score: z
      .number()
      .optional()
      .meta({ description: 'the own score: the sum of the weights of its own open reports (GET /v1/images/{id} only)' }),
    failureReason: z.string().nullable(),
    externalId: z.string().nullable().meta({ description: "the site's own id, given when the image was registered by URL" }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
    url: z.string(),
    thumbnailUrl: z.string(),
  })
  .meta({ id: 'Image' });

const reportAnswer = z.object({ reportId: z.uuid(), duplicate: z.boolean() }).meta({ id: 'ReportAnswer' });

const decisionResult = z
  .object({
    imageId: z.uuid(),
    action: z.string(),
    fromStatus: z.enum(IMAGE_STATUSES),
    status: z.enum(IMAGE_STATUSES),
    closedReports: z.number().int(),
  })
  .meta({ id: 'Decision' });

const anyJson = z.record(z.string(), z.unknown());

/** The error responses of an operation, grouped by HTTP status, each naming the codes it can carry. */
function errors(...codes: ErrorCode[]): RouteConfig['responses'] {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes)
    byStatus.set(ERROR_CATALOGUE[code].httpStatus, [...(byStatus.get(ERROR_CATALOGUE[code].httpStatus) ?? []), code]);
  return Object.fromEntries(
    [...byStatus].map(([status, list]) => [
      String(status),
      {
        description: list.map((code) => `\`${code}\`: ${ERROR_CATALOGUE[code].meaning}`).join('; '),
        content: {
          'application/json': {
            schema: errorBody,
            example: { error: { code: list[0], message: ERROR_CATALOGUE[list[0]!].meaning, requestId: 'b7c1e2d0-…' } },
          },
        },
      },
    ]),
  );
}

/** Errors any route can answer: the database or storage being down, an unexpected failure. */
const OUTAGES: ErrorCode[] = ['database_unavailable', 'database_busy', 'internal_error'];
const READER_AUTH: ErrorCode[] = ['unauthorized'];
const MODERATOR_AUTH: ErrorCode[] = ['unauthorized', 'forbidden'];

function json(schema: z.ZodType, description: string, example?: unknown) {
  return { description, content: { 'application/json': { schema, ...(example === undefined ? {} : { example }) } } };
}

function bytes(contentType: string, description: string) {
  return { description, content: { [contentType]: { schema: { type: 'string' as const, format: 'binary' } } } };
}

type Security = Record<string, string[]>[];
/** A moderator's (or, under /v1/admin, an admin's) bearer token or session cookie. */
const moderator: Security = [{ bearer: [] }, { moderatorSession: [] }];
const admin = moderator;
const user: Security = [{ bearer: [] }];
/** A site's API key or a first-party token. */
const siteOrUser: Security = [{ siteKey: [] }, { bearer: [] }];

const siteIdPath = z.object({ id: z.string().meta({ example: 'news', description: 'the site id' }) });
const siteView = z
  .object({
    id: z.string(),
    name: z.string(),
    allowedOrigins: z.array(z.string()),
    issuer: z.string().nullable(),
    audience: z.string(),
    readerKeys: z
      .array(z.record(z.string(), z.unknown()))
      .meta({ description: '{ type: "secret" } or { type: "jwks", jwksUrl, algorithms }: never a secret' }),
    anonymousReports: z.enum(['on', 'off']),
    thresholds: anyJson,
    shareBlocklist: z.boolean(),
    poolReportsAcrossSites: z.boolean(),
    status: z.enum(['active', 'disabled']),
    breaker: z.object({ open: z.boolean(), trippedAt: z.iso.datetime().nullable(), resetAt: z.iso.datetime().nullable() }),
    createdAt: z.iso.datetime(),
    updatedAt: z.iso.datetime(),
  })
  .meta({ id: 'Site' });
const apiKeyRecord = z
  .object({
    id: z.uuid(),
    siteId: z.string(),
    prefix: z.string().meta({ description: 'the first characters of the key, to tell keys apart' }),
    label: z.string(),
    createdBy: z.string().nullable(),
    createdAt: z.iso.datetime(),
    lastUsedAt: z.iso.datetime().nullable().meta({ description: 'recorded at most once a minute' }),
    revokedAt: z.iso.datetime().nullable(),
  })
  .meta({ id: 'SiteApiKey' });
const reader: Security = [{ bearer: [] }, { readerCookie: [] }];

const webhookEndpoint = z
  .object({
    id: z.uuid(),
    siteId: z.string(),
    url: z.string(),
    eventTypes: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean(),
    secretCount: z.number().int().meta({ description: '2 during a rotation' }),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookEndpoint' });
const webhookDelivery = z
  .object({
    id: z.number().int(),
    endpointId: z.uuid(),
    eventId: z.string().meta({ description: 'the webhook-id header' }),
    eventType: z.enum(WEBHOOK_EVENT_TYPES),
    imageId: z.uuid(),
    payload: anyJson,
    attempts: z.number().int(),
    lastStatusCode: z.number().int().nullable(),
    lastLatencyMs: z.number().int().nullable(),
    lastError: z.string().nullable(),
    nextAttemptAt: z.string(),
    deliveredAt: z.string().nullable(),
    failedAt: z.string().nullable(),
    createdAt: z.string(),
  })
  .meta({ id: 'WebhookDelivery' });

/** Every route of the API, as registered in the document. Exported for the test that compares it with the app. */
export const ROUTES: RouteConfig[] = [
  {
    method: 'post',
    path: '/v1/images',
    tags: ['images'],
    summary: "Upload an image, or register one by URL (to the API key's site, or `default` with a first-party token)",
    description:
      "multipart/form-data with the file, or application/json `{ url, externalId? }`: imgmod fetches the URL itself (only hosts of the site's allowed origins or REGISTER_URL_HOSTS, only public addresses, at most 3 redirects, MAX_UPLOAD_BYTES and FETCH_TIMEOUT_MS enforced while reading) and checks the file exactly as an upload.",
    security: siteOrUser,
    request: {
      body: {
        content: {
          'multipart/form-data': {
            schema: { type: 'object', properties: { file: { type: 'string', format: 'binary' } }, required: ['file'] },
          },
          'application/json': { schema: registerBody },
        },
      },
    },
    responses: {
      201: json(
        z.object({
          id: z.uuid(),
          siteId: z.string(),
          status: z.literal('processing'),
          externalId: z.string().nullable().optional().meta({ description: 'registrations by URL only' }),
          url: z.string(),
          thumbnailUrl: z.string(),
        }),
        'stored; its derivatives are being made',
      ),
      ...errors(
        'bad_request',
        'empty_file',
        ...READER_AUTH,
        'external_id_taken',
        'url_not_allowed',
        'url_resolves_to_private_address',
        'too_many_redirects',
        'fetch_too_large',
        'fetch_timeout',
        'fetch_failed',
        'payload_too_large',
        'unsupported_media_type',
        'image_corrupt',
        'image_too_large',
        'too_many_frames',
        'processing_timeout',
        'too_many_uploads',
        'storage_unavailable',
        ...OUTAGES,
      ),
    },
  },
  {
    method: 'get',
    path: '/v1/images',
    tags: ['images'],
    summary:
      "A site's images, newest first (a site's API key; moderators: every site's, or ?site=); with ?externalId= the one image the caller's site registered under it",
    security: siteOrUser,
    request: { query: listImagesQuery.extend({ externalId: externalIdQuery.shape.externalId.optional() }) },
    responses: {
      200: json(
        z.union([z.object({ items: z.array(imageRecord), nextCursor: z.string().nullable() }), imageRecord]),
        'one page (pass nextCursor back as cursor); with ?externalId=, the record',
      ),
      ...errors('bad_request', 'invalid_cursor', ...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/images/{id}',
    tags: ['images'],
    summary: "An image's record (404 for another site's image)",
    security: siteOrUser,
    request: { params: imageId },
    responses: { 200: json(imageRecord, 'the record'), ...errors(...READER_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'post',
    path: '/v1/images/{id}/reports',
    tags: ['reports'],
    summary: 'Report an image',
    description: 'Any reader: a first-party or signed reader token, or the anonymous reader cookie.',
    security: reader,
    request: {
      params: imageId,
      body: { content: { 'application/json': { schema: reportBody, example: { reason: 'spam', note: 'an advert for pills' } } } },
    },
    responses: {
      202: json(reportAnswer, 'a new report, counted'),
      200: json(reportAnswer, 'this reader already has an open report on the image: not counted again'),
      ...errors(
        'bad_request',
        ...READER_AUTH,
        'anonymous_reports_disabled',
        'site_disabled',
        'origin_not_allowed',
        'demo_reader',
        'not_found',
        'image_not_reportable',
        'rate_limited',
        'image_busy',
        'reader_keys_unavailable',
        ...OUTAGES,
      ),
    },
  },
  {
    method: 'get',
    path: '/v1/images/{id}/moderation',
    tags: ['appeals'],
    summary: 'Why an image is hidden (its uploader, or a key of its site)',
    security: siteOrUser,
    request: { params: imageId },
    responses: {
      200: json(anyJson, '{ imageId, status, hiddenBy, reasons, reports, appeal, mayAppeal }'),
      ...errors(...READER_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/images/{id}/appeal',
    tags: ['appeals'],
    summary: 'Appeal a block (its uploader or a key of its site, once)',
    security: siteOrUser,
    request: {
      params: imageId,
      body: {
        content: { 'application/json': { schema: appealBody, example: { message: 'This is a photo of a public protest, not hate.' } } },
      },
    },
    responses: {
      201: json(z.object({ imageId: z.uuid(), message: z.string(), createdAt: z.iso.datetime() }), 'the appeal joins the appealed queue'),
      ...errors('bad_request', ...READER_AUTH, 'not_found', 'appeal_exists', 'not_appealable', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/readers/anonymous',
    tags: ['readers'],
    summary: 'Get or confirm the anonymous reader cookie',
    responses: {
      201: json(z.object({ readerId: z.string(), siteId: z.string() }), 'a new cookie was set, for the site of the Origin'),
      200: json(z.object({ readerId: z.string(), siteId: z.string() }), 'the request carried a valid cookie of that site'),
      ...errors('anonymous_reports_disabled', 'site_disabled', 'internal_error'),
    },
  },
  {
    method: 'get',
    path: '/v1/me/reports',
    tags: ['readers'],
    summary: "The reader's own reports and standing",
    security: reader,
    responses: {
      200: json(anyJson, '{ readerId, kind, reports, standing }'),
      ...errors(...READER_AUTH, 'anonymous_reports_disabled', 'site_disabled', 'reader_keys_unavailable', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/visibility',
    tags: ['readers'],
    summary: 'Which of a page’s images are hidden (for the widget)',
    request: { query: visibilityQuery.meta({ example: { ids: EXAMPLE_ID } }) },
    responses: {
      200: json(
        z.object({
          images: z.record(z.string(), visibilityValue),
          externalIds: z
            .record(z.string(), z.object({ id: z.uuid(), visibility: visibilityValue }))
            .optional()
            .meta({ description: 'only when externalId was given: the external ids the site registered' }),
        }),
        'known ids only',
        { images: { [EXAMPLE_ID]: 'hidden' } },
      ),
      ...errors('bad_request', 'origin_not_allowed', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/i/{id}',
    tags: ['serving'],
    summary: 'The display image (visible images only)',
    request: { params: imageId },
    responses: {
      200: bytes('image/jpeg', 'the re-encoded display image (JPEG, or WebP for animations and transparency)'),
      304: { description: 'If-None-Match named its current ETag: not sent again' },
      410: bytes('image/webp', 'blocked or removed: the neutral placeholder'),
      ...errors('not_found', 'image_unavailable', 'image_processing', 'storage_unavailable', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/i/{id}/thumb',
    tags: ['serving'],
    summary: 'The thumbnail (visible images only)',
    request: { params: imageId },
    responses: {
      200: bytes('image/webp', 'the thumbnail, within 320×320'),
      304: { description: 'If-None-Match named its current ETag: not sent again' },
      410: bytes('image/webp', 'blocked or removed: the neutral placeholder'),
      ...errors('not_found', 'image_unavailable', 'image_processing', 'storage_unavailable', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/error-codes',
    tags: ['operations'],
    summary: 'The error catalogue',
    responses: { 200: json(anyJson, '{ codes: { <code>: { httpStatus, meaning, retryAfterSeconds? } } }') },
  },
  {
    method: 'get',
    path: '/healthz',
    tags: ['operations'],
    summary: 'Liveness',
    responses: { 200: json(z.object({ status: z.literal('ok') }), 'the process is up') },
  },
  {
    method: 'get',
    path: '/readyz',
    tags: ['operations'],
    summary: 'Readiness: PostgreSQL and Redis',
    responses: {
      200: json(anyJson, '{ status: "ok", checks }'),
      503: json(anyJson, '{ status: "unavailable", checks } naming the failing dependency'),
    },
  },
  {
    method: 'get',
    path: '/metrics',
    tags: ['operations'],
    summary: 'Prometheus metrics',
    responses: {
      200: { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } },
      ...errors('unauthorized'),
    },
  },
  {
    method: 'get',
    path: '/openapi.json',
    tags: ['operations'],
    summary: 'This document',
    responses: { 200: json(anyJson, 'OpenAPI 3.1') },
  },
  {
    method: 'get',
    path: '/docs',
    tags: ['operations'],
    summary: 'The interactive API documentation',
    responses: { 200: { description: 'HTML page' } },
  },
  {
    method: 'get',
    path: '/',
    tags: ['pages'],
    summary: 'The landing page: links to the docs, the demo, moderation and health',
    responses: { 200: { description: 'HTML page' } },
  },
  { method: 'get', path: '/moderate', tags: ['pages'], summary: 'The moderator page', responses: { 200: { description: 'HTML page' } } },
  { method: 'get', path: '/widget.js', tags: ['pages'], summary: 'The reader widget', responses: { 200: { description: 'JavaScript' } } },
  {
    method: 'get',
    path: '/demo',
    tags: ['pages'],
    summary: 'The demo news page (demo mode)',
    request: {
      query: z.object({ reader: z.enum(['ana', 'ben', 'chloe', 'dan', 'anonymous']).optional(), lang: z.enum(['fr', 'en']).optional() }),
    },
    responses: { 200: { description: 'HTML page' }, ...errors('not_found') },
  },
  {
    method: 'get',
    path: '/auth/options',
    tags: ['sign-in'],
    summary: 'The sign-ins offered',
    responses: { 200: json(z.object({ oidc: z.boolean(), token: z.boolean() }), 'which sign-ins this deployment offers') },
  },
  {
    method: 'get',
    path: '/auth/sign-in',
    tags: ['sign-in'],
    summary: "Start the organisation's OpenID Connect sign-in",
    responses: {
      302: { description: 'to the identity provider' },
      503: { description: 'the provider cannot be reached (HTML page)' },
      ...errors('oidc_not_configured'),
    },
  },
  {
    method: 'get',
    path: '/auth/callback',
    tags: ['sign-in'],
    summary: 'The OpenID Connect callback',
    responses: {
      302: { description: 'to /moderate with a session' },
      400: { description: 'expired or unverifiable answer (HTML page)' },
      403: { description: 'identity without a role (HTML page)' },
      ...errors('oidc_not_configured'),
    },
  },
  {
    method: 'post',
    path: '/v1/moderation/session',
    tags: ['moderation'],
    summary: 'Start a moderator session from a token (MODERATOR_TOKEN_SIGNIN)',
    security: user,
    responses: {
      200: json(z.object({ moderatorId: z.string(), role: z.string(), expiresAt: z.iso.datetime() }), 'the session cookie is set'),
      ...errors('token_signin_disabled', ...MODERATOR_AUTH, ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/moderation/session',
    tags: ['moderation'],
    summary: 'Who is signed in',
    security: moderator,
    responses: {
      200: json(z.object({ moderatorId: z.string(), role: z.string() }), 'the current moderator'),
      ...errors(...MODERATOR_AUTH),
    },
  },
  {
    method: 'delete',
    path: '/v1/moderation/session',
    tags: ['moderation'],
    summary: 'Sign out',
    responses: { 204: { description: 'the session is ended and its cookie cleared' } },
  },
  {
    method: 'get',
    path: '/v1/moderation/queue',
    tags: ['moderation'],
    summary: 'One page of a review queue',
    security: moderator,
    request: { query: queueQuery.meta({ example: { state: 'auto_blocked', sort: 'score', limit: 25 } }) },
    responses: {
      200: json(anyJson, '{ state, sort, items, nextCursor }'),
      ...errors('bad_request', 'invalid_cursor', ...MODERATOR_AUTH, ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/moderation/queue-counts',
    tags: ['moderation'],
    summary: 'How many images each queue holds',
    security: moderator,
    responses: { 200: json(anyJson, '{ counts: { <state>: n } }'), ...errors(...MODERATOR_AUTH, ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/moderation/images/{id}',
    tags: ['moderation'],
    summary: 'One image under review: reports, reporters, history, appeal, claim',
    security: moderator,
    request: { params: imageId },
    responses: { 200: json(anyJson, 'the review detail'), ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/moderation/images/{id}/preview',
    tags: ['moderation'],
    summary: 'The blurred greyscale review image',
    security: moderator,
    request: { params: imageId },
    responses: {
      200: bytes('image/webp', 'reviewer-safe preview'),
      ...errors(...MODERATOR_AUTH, 'not_found', 'image_unavailable', 'image_purged', 'image_processing', 'storage_unavailable', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/moderation/images/{id}/original',
    tags: ['moderation'],
    summary: 'The original bytes, on request',
    security: moderator,
    request: { params: imageId },
    responses: {
      200: bytes('application/octet-stream', 'the uploaded bytes with their type'),
      ...errors(...MODERATOR_AUTH, 'not_found', 'original_missing', 'image_purged', 'storage_unavailable', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/moderation/images/{id}/decision',
    tags: ['moderation'],
    summary: 'Uphold, restore or remove one image',
    security: moderator,
    request: {
      params: imageId,
      body: {
        content: {
          'application/json': {
            schema: decisionBody,
            example: { action: 'uphold', note: 'graphic violence', expectedStatus: 'auto_blocked' },
          },
        },
      },
    },
    responses: {
      200: json(decisionResult, 'decided'),
      ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', 'invalid_transition', 'status_changed', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/moderation/decisions',
    tags: ['moderation'],
    summary: 'One decision on up to 100 images, each in its own transaction',
    security: moderator,
    request: {
      body: {
        content: {
          'application/json': { schema: bulkBody, example: { ids: [EXAMPLE_ID], action: 'restore', expectedStatus: 'auto_blocked' } },
        },
      },
    },
    responses: {
      200: json(anyJson, '{ results: [{ ok: true, … } | { ok: false, imageId, error }] }'),
      ...errors('bad_request', ...MODERATOR_AUTH, ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/moderation/audit',
    tags: ['moderation'],
    summary: 'The audit log, newest first',
    security: moderator,
    request: { query: auditQuery.meta({ example: { actor: 'system', limit: 25 } }) },
    responses: { 200: json(anyJson, '{ items, nextCursor }'), ...errors('bad_request', 'invalid_cursor', ...MODERATOR_AUTH, ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/moderation/hash-banks',
    tags: ['hash banks'],
    summary: 'The hash banks',
    security: moderator,
    responses: { 200: json(anyJson, '{ banks }'), ...errors(...MODERATOR_AUTH, ...OUTAGES) },
  },
  {
    method: 'put',
    path: '/v1/moderation/hash-banks/{name}',
    tags: ['hash banks'],
    summary: 'Create or change a hash bank',
    security: moderator,
    request: {
      params: z.object({ name: bankName.meta({ example: 'partner-list' }) }),
      body: {
        content: {
          'application/json': {
            schema: bankBody,
            example: { action: 'review', maxDistance: 15, description: 'pictures a partner flagged' },
          },
        },
      },
    },
    responses: { 200: json(anyJson, 'the bank'), ...errors('bad_request', ...MODERATOR_AUTH, 'bank_managed', ...OUTAGES) },
  },
  {
    method: 'post',
    path: '/v1/moderation/hash-banks/{name}/entries',
    tags: ['hash banks'],
    summary: 'Import PDQ hashes into a bank',
    security: moderator,
    request: {
      params: z.object({ name: bankName.meta({ example: 'partner-list' }) }),
      query: importQuery,
      body: {
        content: {
          'text/plain': { schema: { type: 'string' }, example: 'f8f8f0cee0f4a84f06370a22038f63f0b36e2ed596621e1d33e6b39c4e9c9b22,100\n' },
        },
      },
    },
    responses: {
      200: json(anyJson, '{ bank, read, imported, alreadyInBank }'),
      ...errors('bad_request', 'invalid_bank_file', ...MODERATOR_AUTH, 'not_found', 'bank_managed', 'payload_too_large', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/moderation/hash-banks/{name}/entries',
    tags: ['hash banks'],
    summary: 'Export a bank as a file',
    security: moderator,
    request: { params: z.object({ name: bankName.meta({ example: 'moderators' }) }) },
    responses: {
      200: { description: 'one pdq_hex,quality per line', content: { 'text/plain': { schema: { type: 'string' } } } },
      ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/moderation/policy/replay',
    tags: ['moderation'],
    summary: 'Replay real reports under proposed policy settings',
    security: moderator,
    request: {
      body: { content: { 'application/json': { schema: replayBody, example: { since: '30d', settings: { AUTO_BLOCK_THRESHOLD: '4' } } } } },
    },
    responses: { 200: json(anyJson, '{ since, settings, summary, images? }'), ...errors('bad_request', ...MODERATOR_AUTH, ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/admin/sessions',
    tags: ['admin'],
    summary: 'Active moderator sessions',
    security: admin,
    responses: { 200: json(anyJson, '{ sessions }'), ...errors(...MODERATOR_AUTH, ...OUTAGES) },
  },
  {
    method: 'delete',
    path: '/v1/admin/sessions/{idHash}',
    tags: ['admin'],
    summary: 'Revoke a session',
    security: admin,
    request: {
      params: z.object({
        idHash: z
          .string()
          .regex(/^[0-9a-f]{64}$/)
          .meta({ example: '0'.repeat(64) }),
      }),
    },
    responses: { 204: { description: 'revoked' }, ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/admin/events',
    tags: ['admin'],
    summary: 'The operator log',
    security: admin,
    responses: { 200: json(anyJson, '{ events }'), ...errors(...MODERATOR_AUTH, ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/admin/sites',
    tags: ['sites'],
    summary: 'Every site',
    security: admin,
    responses: { 200: json(z.object({ sites: z.array(siteView) }), 'by id'), ...errors(...MODERATOR_AUTH, ...OUTAGES) },
  },
  {
    method: 'post',
    path: '/v1/admin/sites',
    tags: ['sites'],
    summary: 'Create a site',
    security: admin,
    request: {
      body: {
        content: {
          'application/json': {
            schema: newSiteSchema,
            example: { id: 'news', name: 'News Example', allowedOrigins: ['https://news.example'], anonymousReports: 'on' },
          },
        },
      },
    },
    responses: { 201: json(siteView, 'created'), ...errors('bad_request', ...MODERATOR_AUTH, 'site_exists', ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/admin/sites/{id}',
    tags: ['sites'],
    summary: "A site, with its last hour's reports, auto-blocks and held auto-blocks",
    security: admin,
    request: { params: siteIdPath },
    responses: {
      200: json(siteView.extend({ lastHour: z.object({ reports: z.number(), autoBlocks: z.number(), held: z.number() }) }), 'the site'),
      ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'patch',
    path: '/v1/admin/sites/{id}',
    tags: ['sites'],
    summary: "Change a site's settings (only those named; readerKeys replaces the list)",
    security: admin,
    request: {
      params: siteIdPath,
      body: { content: { 'application/json': { schema: siteSettingsSchema, example: { thresholds: { autoBlockThreshold: 4 } } } } },
    },
    responses: {
      200: json(siteView, 'changed'),
      ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', 'site_exists', 'site_protected', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/admin/sites/{id}/disable',
    tags: ['sites'],
    summary: 'Disable a site: its reader tokens, origins and API keys stop working within SITES_CACHE_TTL_MS',
    security: admin,
    request: { params: siteIdPath },
    responses: { 200: json(siteView, 'disabled'), ...errors(...MODERATOR_AUTH, 'not_found', 'site_protected', ...OUTAGES) },
  },
  {
    method: 'post',
    path: '/v1/admin/sites/{id}/breaker/reset',
    tags: ['sites'],
    summary: "Close a site's circuit breaker: auto-blocks go ahead again, counted afresh",
    security: admin,
    request: { params: siteIdPath },
    responses: { 200: json(siteView, 'reset'), ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'post',
    path: '/v1/admin/sites/{id}/api-keys',
    tags: ['sites'],
    summary: 'Make an API key for the site (the key is in this answer only)',
    security: admin,
    request: { params: siteIdPath, body: { content: { 'application/json': { schema: newApiKeyBody, example: { label: 'CMS' } } } } },
    responses: {
      201: json(apiKeyRecord.extend({ key: z.string(), revokedOthers: z.number().int() }), 'the key, shown once'),
      ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/v1/admin/sites/{id}/api-keys',
    tags: ['sites'],
    summary: "The site's API keys, newest first, without secrets",
    security: admin,
    request: { params: siteIdPath },
    responses: { 200: json(z.object({ keys: z.array(apiKeyRecord) }), 'the keys'), ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'delete',
    path: '/v1/admin/sites/{id}/api-keys/{keyId}',
    tags: ['sites'],
    summary: 'Revoke an API key at once',
    security: admin,
    request: { params: siteIdPath.extend({ keyId: z.uuid().meta({ example: EXAMPLE_ID }) }) },
    responses: { 204: { description: 'revoked' }, ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'post',
    path: '/v1/webhooks/endpoints',
    tags: ['webhooks'],
    summary: "Register an endpoint for the site's events (its signing secret is in this answer only)",
    security: siteOrUser,
    request: {
      query: siteQuery,
      body: { content: { 'application/json': { schema: newEndpointBody, example: { url: 'https://news.example/hooks/imgmod' } } } },
    },
    responses: {
      201: json(webhookEndpoint.extend({ secret: z.string().meta({ description: 'whsec_…, shown once' }) }), 'registered'),
      ...errors(
        'bad_request',
        ...MODERATOR_AUTH,
        'not_found',
        'too_many_endpoints',
        'url_not_allowed',
        'url_resolves_to_private_address',
        ...OUTAGES,
      ),
    },
  },
  {
    method: 'get',
    path: '/v1/webhooks/endpoints',
    tags: ['webhooks'],
    summary: "The site's endpoints, without secrets",
    security: siteOrUser,
    request: { query: siteQuery },
    responses: {
      200: json(z.object({ endpoints: z.array(webhookEndpoint) }), 'the endpoints'),
      ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'patch',
    path: '/v1/webhooks/endpoints/{id}',
    tags: ['webhooks'],
    summary: 'Turn an endpoint on or off (a disabled one gets no new deliveries)',
    security: siteOrUser,
    request: {
      params: endpointIdPath,
      query: siteQuery,
      body: { content: { 'application/json': { schema: endpointChangeBody, example: { enabled: false } } } },
    },
    responses: { 200: json(webhookEndpoint, 'changed'), ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'post',
    path: '/v1/webhooks/endpoints/{id}/rotate-secret',
    tags: ['webhooks'],
    summary: 'Start a secret rotation: a new secret (in this answer only); deliveries carry a signature of each until finish-rotation',
    security: siteOrUser,
    request: { params: endpointIdPath, query: siteQuery },
    responses: {
      200: json(webhookEndpoint.extend({ secret: z.string() }), 'the new secret'),
      ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/webhooks/endpoints/{id}/finish-rotation',
    tags: ['webhooks'],
    summary: 'End a rotation: only the newest secret signs from now on',
    security: siteOrUser,
    request: { params: endpointIdPath, query: siteQuery },
    responses: { 200: json(webhookEndpoint, 'rotated'), ...errors(...MODERATOR_AUTH, 'not_found', ...OUTAGES) },
  },
  {
    method: 'get',
    path: '/v1/webhooks/endpoints/{id}/deliveries',
    tags: ['webhooks'],
    summary: "An endpoint's delivery log, newest first: attempts, last status code, latency and error",
    security: siteOrUser,
    request: { params: endpointIdPath, query: deliveriesQuery.extend(siteQuery.shape) },
    responses: {
      200: json(z.object({ deliveries: z.array(webhookDelivery) }), 'the log'),
      ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'post',
    path: '/v1/webhooks/deliveries/{id}/redeliver',
    tags: ['webhooks'],
    summary: 'Deliver an event again (same webhook-id), after any still open about the same image',
    security: siteOrUser,
    request: { params: z.object({ id: z.number().int().positive().meta({ example: 1 }) }), query: siteQuery },
    responses: {
      202: json(z.object({ deliveryId: z.number().int() }), 'queued'),
      ...errors('bad_request', ...MODERATOR_AUTH, 'not_found', ...OUTAGES),
    },
  },
  {
    method: 'get',
    path: '/admin/queues',
    tags: ['admin'],
    summary: 'The job dashboard (Bull Board)',
    security: moderator,
    responses: { 200: { description: 'HTML page' }, ...errors(...MODERATOR_AUTH) },
  },
];

/** `getV1ImagesId` for GET /v1/images/{id}. */
function operationId(route: RouteConfig): string {
  const words = route.path.split(/[^a-zA-Z0-9]+/).filter(Boolean);
  return route.method + words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join('');
}

const TAGS = {
  images: 'upload and read image records',
  reports: 'readers report images',
  readers: 'reader identity, receipts and what the widget needs',
  serving: 'the image bytes: only visible images are served',
  appeals: "an uploader's view of a block and their appeal",
  moderation: 'review queues, decisions and the audit log (moderators)',
  'hash banks': 'lists of perceptual hashes checked at every upload (moderators)',
  admin: 'sessions, the operator log and the job dashboard (admins)',
  sites: 'sites (tenants), their settings, API keys and circuit breaker (admins)',
  webhooks: "a site's webhook endpoints and delivery log (the site's API key)",
  'sign-in': "moderators sign in with the organisation's OpenID Connect provider",
  pages: 'HTML pages and the widget script',
  operations: 'health, metrics, this document and the error catalogue',
};

let document: ReturnType<OpenApiGeneratorV31['generateDocument']> | undefined;

/** The OpenAPI 3.1 document, generated once per process. */
export function openApiDocument(): ReturnType<OpenApiGeneratorV31['generateDocument']> {
  if (document) return document;
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'JWT',
    description: "a first-party token (JWT_SECRET) or a host site's signed reader token",
  });
  registry.registerComponent('securitySchemes', 'siteKey', {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'imk_<site>_<key>',
    description: "a site's API key (POST /v1/admin/sites/{id}/api-keys)",
  });
  registry.registerComponent('securitySchemes', 'moderatorSession', {
    type: 'apiKey',
    in: 'cookie',
    name: '__Host-imgmod_session',
    description: "the moderator page's session (imgmod_session over plain HTTP)",
  });
  registry.registerComponent('securitySchemes', 'readerCookie', {
    type: 'apiKey',
    in: 'cookie',
    name: 'imgmod_reader',
    description: 'the anonymous reader cookie from POST /v1/readers/anonymous',
  });
  for (const route of ROUTES) {
    // Public operations say so (security: []); every operation gets an id from its method and path.
    registry.registerPath({ operationId: operationId(route), security: [], ...route });
  }
  document = new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'imgmod',
      version: '0.1.0',
      license: { name: 'proprietary', identifier: 'LicenseRef-imgmod' },
      description:
        'Community image moderation: readers report images, the worker auto-blocks them at the threshold, moderators review. ' +
        `Every error is { error: { code, message, requestId, details? } } with a code from the catalogue (reasons: ${REPORT_REASONS.join(', ')}).`,
    },
    servers: [{ url: '/', description: 'this imgmod' }],
    tags: Object.entries(TAGS).map(([name, description]) => ({ name, description })),
  });
  return document;
}
