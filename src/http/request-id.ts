/**
 * One id per request: the caller's `X-Request-Id` when it is short and plain (a proxy's or a load balancer's),
 * else a new UUID. It is `req.id` (pino-http logs it on every request line), echoed in the `X-Request-Id`
 * response header, and stored on the outbox rows the request writes, so the jobs it causes log it too.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestHandler } from 'express';
import { runWithRequestId } from '../request-context.js';

/** 1 to 64 letters, digits and . _ : - (a UUID, a ULID, nginx's $request_id, AWS's Root=1-…). */
const SAFE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

/** The caller's X-Request-Id when it is safe to log and echo, else a new UUID. */
export function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * pino-http's genReqId: picks the id once, echoes it in the response header.
 * (pino-http sets req.id to what this returns.)
 */
export function genRequestId(req: IncomingMessage, res: ServerResponse): string {
  const id = requestIdOf(req);
  res.setHeader('X-Request-Id', id);
  return id;
}

/** Runs the rest of the request with its id as the current request id (see request-context.ts). */
export const requestContext: RequestHandler = (req, _res, next) => {
  runWithRequestId(typeof req.id === 'string' ? req.id : requestIdOf(req), next);
};
