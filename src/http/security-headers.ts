/**
 * Response headers every answer carries (helmet's, read once at start), and `Cache-Control: no-store` on private answers.
 *
 * - HSTS only when the request came over TLS (req.secure, which TRUST_PROXY lets a proxy's
 *   X-Forwarded-Proto set): sent over plain HTTP it would be ignored by browsers, and it would pin a
 *   development host to HTTPS.
 * - A default CSP of `default-src 'none'; frame-ancestors 'none'` for answers that set none of their own (JSON,
 *   errors); the pages (/moderate, /demo, the landing page) and /i/:id images set their own, which replace it.
 * - Cross-Origin-Resource-Policy `cross-origin` and no X-Frame-Options: host sites embed /i/:id images and load
 *   widget.js from another origin; framing is governed by each page's `frame-ancestors` instead.
 * - Referrer-Policy `no-referrer`: a link out of the moderator page must not tell a third party what was reviewed.
 */
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/** The CSP of answers that set none of their own: nothing may load, nobody may frame it. */
export const DEFAULT_CSP = "default-src 'none'; frame-ancestors 'none'";

/** One year, with subdomains (the value HSTS preload lists ask for). */
const HSTS_VALUE = 'max-age=31536000; includeSubDomains';

/** Path prefixes whose answers are private to a moderator, an admin or one reader: never stored by any cache. */
export const PRIVATE_PREFIXES = ['/v1/moderation', '/v1/admin', '/v1/me', '/v1/readers', '/v1/images', '/admin/', '/auth/', '/metrics'];

/**
 * The headers helmet sets with imgmod's options, read once: with CSP and HSTS off, every one of them is the same
 * on every answer, so one loop over this list replaces helmet's chain of a dozen middleware per request.
 * @throws Error when helmet did not finish synchronously or set nothing (a helmet upgrade that changed how it works)
 */
function helmetHeaders(): Array<[string, string | string[]]> {
  const headers: Array<[string, string | string[]]> = [];
  const res = {
    setHeader: (name: string, value: string | number | readonly string[]) =>
      headers.push([name, Array.isArray(value) ? [...(value as string[])] : String(value)]),
    removeHeader: () => undefined,
  };
  let finished = false;
  helmet({
    contentSecurityPolicy: false,
    strictTransportSecurity: false,
    xFrameOptions: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    referrerPolicy: { policy: 'no-referrer' },
  })({} as never, res as never, () => (finished = true));
  if (!finished || headers.length === 0) throw new Error('helmet did not set its headers synchronously');
  return headers;
}

/** helmet's headers, HSTS over TLS, and the default CSP (see the module comment). */
export function securityHeaders(): RequestHandler {
  const headers = helmetHeaders();
  return (req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    if (req.secure) res.setHeader('Strict-Transport-Security', HSTS_VALUE);
    res.setHeader('Content-Security-Policy', DEFAULT_CSP);
    next();
  };
}

/** Each private prefix, and the path it names without its trailing slash (`/admin/` covers `/admin` too). */
const PRIVATE_PATHS = PRIVATE_PREFIXES.map((prefix) => ({ prefix, exact: prefix.replace(/\/$/, '') }));

/**
 * `Cache-Control: no-store` (set first; a route may still choose otherwise) on every answer under a private
 * prefix or to a request with a bearer token: what one moderator or reader sees must never be kept by a shared
 * cache or the browser's disk cache. (Not keyed on cookies: every reader of a host site may carry the anonymous
 * reader cookie, and widget.js should stay cacheable for them.)
 */
export const privateNoStore: RequestHandler = (req, res, next) => {
  const path = req.path;
  const privatePath = PRIVATE_PATHS.some(({ exact, prefix }) => path === exact || path.startsWith(prefix));
  if (privatePath || req.headers.authorization !== undefined) res.setHeader('Cache-Control', 'no-store');
  next();
};
