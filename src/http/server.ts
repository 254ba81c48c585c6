/**
 * The HTTP server around the express app: request timeouts, and a graceful stop that drains in-flight
 * requests without taking new ones on kept-alive connections.
 */
import { createServer, type Server } from 'node:http';
import type { Express } from 'express';
import type { Config } from '../config.js';

export interface HttpServer {
  server: Server;
  /**
   * Stops accepting connections, closes idle kept-alive ones, answers requests still arriving on open
   * connections with `Connection: close` (so each socket closes after its response), and resolves once
   * every connection is closed or `timeoutMs` passed, after which the rest are cut.
   * @returns true when every request finished in time
   */
  drain(timeoutMs: number): Promise<boolean>;
}

/** How often idle connections are closed while draining, in ms: a socket goes idle when its response ends. */
const IDLE_SWEEP_MS = 50;

/**
 * Creates the server (not listening). REQUEST_TIMEOUT_MS bounds the time a client has to send a whole request
 * (a slow upload gets 408); Node checks it every second rather than its default 30 s.
 */
export function createHttpServer(app: Express, config: Pick<Config, 'REQUEST_TIMEOUT_MS'>): HttpServer {
  let draining = false;
  const server = createServer(
    {
      requestTimeout: config.REQUEST_TIMEOUT_MS,
      headersTimeout: Math.min(config.REQUEST_TIMEOUT_MS, 60_000),
      connectionsCheckingInterval: Math.min(1_000, config.REQUEST_TIMEOUT_MS),
    },
    (req, res) => {
      if (draining) res.setHeader('Connection', 'close');
      void app(req, res);
    },
  );
  return {
    server,
    async drain(timeoutMs) {
      draining = true;
      const closed = new Promise<boolean>((resolve) => server.close(() => resolve(true)));
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs)));
      const finished = await Promise.race([closed, late]);
      clearInterval(sweep);
      clearTimeout(timer);
      if (!finished) {
        server.closeAllConnections();
        await closed;
      }
      return finished;
    },
  };
}
