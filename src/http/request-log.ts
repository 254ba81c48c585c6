/**
 * What a request log line holds: an allow-list of headers, never a deny-list, so a header a proxy adds
 * tomorrow (True-Client-IP, CF-Connecting-IP…) is not logged by default. A reader's address is personal
 * data; so is the article they were reading (referer).
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';

/** Request headers a log line may hold. */
export const LOGGED_REQUEST_HEADERS = ['host', 'user-agent', 'content-type', 'content-length', 'accept', 'origin', 'x-request-id'] as const;
/** Response headers a log line may hold. */
export const LOGGED_RESPONSE_HEADERS = ['content-type', 'content-length', 'cache-control', 'retry-after'] as const;

function pick(headers: IncomingHttpHeaders | OutgoingHttpHeaders | undefined, names: readonly string[]): Record<string, unknown> {
  const picked: Record<string, unknown> = {};
  for (const name of names) if (headers?.[name] !== undefined) picked[name] = headers[name];
  return picked;
}

interface SerializedRequest {
  id?: unknown;
  method?: string;
  url?: string;
  headers?: IncomingHttpHeaders;
}

interface SerializedResponse {
  statusCode?: number;
  headers?: OutgoingHttpHeaders;
}

/** pino-http serializers (applied on top of pino's standard ones): id, method, url and allow-listed headers only. */
export const requestLogSerializers = {
  req: (req: SerializedRequest) => ({ id: req.id, method: req.method, url: req.url, headers: pick(req.headers, LOGGED_REQUEST_HEADERS) }),
  res: (res: SerializedResponse) => ({ statusCode: res.statusCode, headers: pick(res.headers, LOGGED_RESPONSE_HEADERS) }),
};
