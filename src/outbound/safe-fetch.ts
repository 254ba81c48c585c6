/**
 * Fetches a URL on a caller's behalf without letting the URL reach imgmod's own network (server-side request
 * forgery). The address rules are domain/outbound-address.ts; this module applies them at every hop:
 * - only http and https, no `user:password@`, only hosts on the caller's allow-list;
 * - the host is resolved once, every address it resolves to must be global (one private answer refuses the
 *   whole name), and the connection goes to that checked address: the socket's lookup answers with it, so no
 *   second DNS query can change the answer between check and connect (DNS rebinding), while the Host header and
 *   TLS server name stay the URL's host;
 * - at most MAX_REDIRECTS redirects, each checked the same way;
 * - a byte budget counted while the body streams (a Content-Length above it is refused before reading, a body
 *   without one or with a false one is cut off when it passes it) and one time budget for the whole fetch,
 *   redirects and body included, so a slow-drip body cannot hold a worker;
 * - no cookies, no credentials, no connection reuse: each request has its own socket.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import http, { type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { classifyAddress, hostAllowed, isLoopback } from '../domain/outbound-address.js';
import { AppError } from '../errors.js';

/** Redirects followed at most (the rule; browsers allow 20). */
export const MAX_REDIRECTS = 3;

/** One resolved address, as node:dns gives it. */
export interface ResolvedAddress {
  address: string;
  family: number;
}

/** Resolves a host name to all its addresses; injectable so tests can make a name point anywhere. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

/**
 * Most system lookups at once. getaddrinfo runs on libuv's thread pool (4 threads unless UV_THREADPOOL_SIZE says
 * otherwise), which file reads and writes share: names whose servers never answer would otherwise hold every thread
 * (for the resolver's own timeouts, seconds each) and stall the process's storage I/O with them. Two leave the rest
 * to the process; a caller that waits longer than its time budget gives up as for a slow answer.
 */
export const MAX_SYSTEM_LOOKUPS = 2;

/**
 * `resolve`, run at most `limit` at a time; later calls wait their turn (first come, first served).
 * @param limit positive integer
 */
export function limitedResolver(resolve: Resolver, limit: number): Resolver {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (hostname) => {
    if (running >= limit) await new Promise<void>((turn) => waiting.push(turn));
    else running++;
    try {
      return await resolve(hostname);
    } finally {
      const next = waiting.shift();
      if (next) next();
      else running--;
    }
  };
}

/**
 * The system resolver (getaddrinfo, as every other client on the host sees names), asked once per hop, at most
 * MAX_SYSTEM_LOOKUPS at a time.
 */
export const systemResolver: Resolver = limitedResolver(
  (hostname) => dnsLookup(hostname, { all: true, verbatim: true }),
  MAX_SYSTEM_LOOKUPS,
);

export interface SafeFetchOptions {
  /** Hosts the URL and every redirect may name: `example.com` or `*.example.com`. */
  allowedHosts: readonly string[];
  /** Largest body accepted, in bytes. */
  maxBytes: number;
  /** Time budget for the whole fetch (resolution, redirects, body), in ms. */
  timeoutMs: number;
  method?: 'GET' | 'POST';
  /** Request headers; never add cookies or credentials here. */
  headers?: Record<string, string>;
  body?: string | Buffer;
  /** `follow` (up to MAX_REDIRECTS, the default) or `manual`: a 3xx is returned as it is. */
  redirect?: 'follow' | 'manual';
  /** Resolve without waiting for the body (webhook deliveries need only the status). */
  discardBody?: boolean;
  /** Lets loopback addresses through (OUTBOUND_ALLOW_LOOPBACK, tests only; production config refuses it). */
  allowLoopback?: boolean;
  /** Defaults to systemResolver. */
  resolver?: Resolver;
}

export interface SafeFetchResult {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body; empty when `discardBody`. */
  body: Buffer;
  /** The URL that answered, after redirects. */
  url: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** The URL's host as a resolver or isIP wants it: IPv6 literals lose their brackets. */
function bareHost(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, '$1');
}

/**
 * Checks a URL's form before anything is resolved: scheme, credentials, allow-list, and a literal address's range.
 * Exported so an endpoint URL can be checked when it is registered.
 * @returns the parsed URL
 * @throws AppError 422 `url_not_allowed`, or `url_resolves_to_private_address` for a literal non-public address
 *   (any spelling the WHATWG URL parser accepts: `2130706433`, `0x7f.1` and `0177.0.0.1` are all 127.0.0.1)
 */
export function checkOutboundUrl(raw: string, options: Pick<SafeFetchOptions, 'allowedHosts' | 'allowLoopback'>): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AppError({ code: 'url_not_allowed', message: 'not an absolute URL' });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new AppError({
      code: 'url_not_allowed',
      message: `only http and https URLs are fetched, not ${url.protocol}`,
      details: { url: raw },
    });
  if (url.username !== '' || url.password !== '')
    throw new AppError({
      code: 'url_not_allowed',
      message: 'URLs with credentials (user:password@) are refused',
      details: { host: url.host },
    });
  const host = bareHost(url);
  if (isIP(host)) checkAddress(host, host, options.allowLoopback ?? false);
  if (!hostAllowed(host, options.allowedHosts))
    throw new AppError({
      code: 'url_not_allowed',
      message: `the host ${host} is not on the site's list of allowed hosts`,
      details: { host },
    });
  return url;
}

/** Refuses a non-global address (loopback only when allowed). @throws AppError 422 `url_resolves_to_private_address` */
function checkAddress(host: string, address: string, allowLoopback: boolean): void {
  const verdict = classifyAddress(address);
  if (verdict.global || (allowLoopback && isLoopback(address))) return;
  throw new AppError({
    code: 'url_resolves_to_private_address',
    message: `${host} leads to a ${verdict.range} address, which imgmod never fetches from`,
    details: { host, range: verdict.range },
  });
}

/** Resolves the host once and checks every address. @returns the address to connect to */
async function resolveChecked(url: URL, options: SafeFetchOptions): Promise<ResolvedAddress> {
  const host = bareHost(url);
  const literal = isIP(host);
  if (literal) return { address: host, family: literal };
  let addresses: ResolvedAddress[];
  try {
    addresses = await (options.resolver ?? systemResolver)(host);
  } catch (error) {
    throw new AppError({ code: 'fetch_failed', message: `${host} does not resolve`, details: { host, reason: errorCode(error) } });
  }
  if (addresses.length === 0) throw new AppError({ code: 'fetch_failed', message: `${host} does not resolve`, details: { host } });
  for (const { address } of addresses) checkAddress(host, address, options.allowLoopback ?? false);
  return addresses[0]!;
}

function errorCode(error: unknown): string {
  return (error as { code?: string }).code ?? (error instanceof Error ? error.message : String(error));
}

/** A lookup that answers the already-checked address, whatever Node asks (one address or all). */
function pinnedLookup(pinned: ResolvedAddress): LookupFunction {
  return (_hostname, options, callback) => {
    if (options.all) (callback as (error: null, addresses: ResolvedAddress[]) => void)(null, [pinned]);
    else callback(null, pinned.address, pinned.family);
  };
}

interface Hop {
  url: URL;
  method: 'GET' | 'POST';
  body: string | Buffer | undefined;
}

/** One request to a checked address. Rejects with an AppError; `abort` ends it from outside (the time budget). */
function requestOnce(
  hop: Hop,
  pinned: ResolvedAddress,
  options: SafeFetchOptions,
  setAbort: (abort: (error: AppError) => void) => void,
): Promise<{ response: IncomingMessage; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const client = hop.url.protocol === 'https:' ? https : http;
    const headers: Record<string, string> = { ...options.headers, host: hop.url.host };
    if (hop.body !== undefined) headers['content-length'] = String(Buffer.byteLength(hop.body));
    const request = client.request({
      protocol: hop.url.protocol,
      hostname: bareHost(hop.url),
      port: hop.url.port || undefined,
      path: `${hop.url.pathname}${hop.url.search}`,
      method: hop.method,
      headers,
      agent: false,
      lookup: pinnedLookup(pinned),
    });
    let settled = false;
    const fail = (error: AppError) => {
      if (settled) return;
      settled = true;
      request.destroy();
      reject(error);
    };
    setAbort(fail);
    request.on('error', (error) =>
      fail(new AppError({ code: 'fetch_failed', message: `${hop.url.host} could not be reached`, details: { reason: errorCode(error) } })),
    );
    request.on('response', (response) => {
      const declared = Number(response.headers['content-length'] ?? NaN);
      if (
        Number.isFinite(declared) &&
        declared > options.maxBytes &&
        !options.discardBody &&
        !REDIRECT_STATUSES.has(response.statusCode ?? 0)
      )
        return fail(tooLarge(options.maxBytes));
      if (options.discardBody || (options.redirect !== 'manual' && REDIRECT_STATUSES.has(response.statusCode ?? 0))) {
        settled = true;
        response.destroy();
        request.destroy();
        return resolve({ response, body: Buffer.alloc(0) });
      }
      const chunks: Buffer[] = [];
      let received = 0;
      response.on('data', (chunk: Buffer) => {
        received += chunk.length;
        if (received > options.maxBytes) return fail(tooLarge(options.maxBytes));
        chunks.push(chunk);
      });
      response.on('error', (error) =>
        fail(new AppError({ code: 'fetch_failed', message: 'the body was cut off', details: { reason: errorCode(error) } })),
      );
      response.on('aborted', () => fail(new AppError({ code: 'fetch_failed', message: 'the body was cut off' })));
      response.on('end', () => {
        if (settled) return;
        settled = true;
        resolve({ response, body: Buffer.concat(chunks) });
      });
    });
    request.end(hop.body);
  });
}

function tooLarge(maxBytes: number): AppError {
  return new AppError({ code: 'fetch_too_large', message: `the file is larger than ${maxBytes} bytes`, details: { maxBytes } });
}

/** The request a redirect leads to: 303, and 301/302 after a POST, become a GET without body (as browsers do). */
function redirected(hop: Hop, status: number, location: string): Hop {
  const url = new URL(location, hop.url);
  const toGet = status === 303 || ((status === 301 || status === 302) && hop.method === 'POST');
  return { url, method: toGet ? 'GET' : hop.method, body: toGet ? undefined : hop.body };
}

/**
 * Fetches `rawUrl` under the outbound rules of the module comment. Any status is returned (the caller decides
 * what a non-2xx means); only a 3xx to follow is acted on.
 * @throws AppError 422 `url_not_allowed`, `url_resolves_to_private_address`, `too_many_redirects`,
 *   `fetch_too_large`, `fetch_timeout`, `fetch_failed` (host does not resolve, connection refused or cut)
 */
export async function safeFetch(rawUrl: string, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const timeout = () =>
    new AppError({
      code: 'fetch_timeout',
      message: `fetching took longer than ${options.timeoutMs} ms`,
      details: { timeoutMs: options.timeoutMs },
    });
  // One budget for every hop: when it runs out, the request in flight is destroyed, or the resolution abandoned.
  let abortRequest: ((error: AppError) => void) | null = null;
  let expire: (error: AppError) => void = () => undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    expire = reject;
  });
  expired.catch(() => undefined);
  const timer = setTimeout(() => {
    expire(timeout());
    abortRequest?.(timeout());
  }, options.timeoutMs);
  try {
    let hop: Hop = { url: checkOutboundUrl(rawUrl, options), method: options.method ?? 'GET', body: options.body };
    for (let redirects = 0; ; redirects++) {
      const pinned = await Promise.race([resolveChecked(hop.url, options), expired]);
      const { response, body } = await Promise.race([
        requestOnce(hop, pinned, options, (abort) => {
          abortRequest = abort;
        }),
        expired,
      ]);
      abortRequest = null;
      const status = response.statusCode ?? 0;
      const location = response.headers.location;
      if (options.redirect === 'manual' || !REDIRECT_STATUSES.has(status) || location === undefined)
        return { status, headers: response.headers, body, url: hop.url.href };
      if (redirects >= MAX_REDIRECTS)
        throw new AppError({
          code: 'too_many_redirects',
          message: `more than ${MAX_REDIRECTS} redirects`,
          details: { maxRedirects: MAX_REDIRECTS },
        });
      hop = redirected(hop, status, location);
      checkOutboundUrl(hop.url.href, options);
    }
  } finally {
    clearTimeout(timer);
  }
}
