/**
 * What `/i/:id` needs to know of an image (status, derivative keys, version), kept in memory for at most
 * SERVING_CACHE_MS so that serving does not read PostgreSQL per request. Correct only while this process hears
 * every change: a LISTEN on the image_changed channel (migration 035's trigger) drops an entry as its change
 * commits, and while that connection is down (or not yet up) the cache is bypassed and emptied. A change is
 * therefore served within the notification's delay (milliseconds), and SERVING_CACHE_MS bounds any miss.
 */
import pg from 'pg';
import type { Config } from '../config.js';
import type { ServingRecord } from '../db/images.repository.js';
import type { Logger } from '../logger.js';
import { outageLog } from '../outage-log.js';

/** The channel migration 035's trigger notifies, with the image id as payload. */
export const IMAGE_CHANGED_CHANNEL = 'image_changed';
/** Entries kept at most; the oldest is dropped first (10,000 records are about 3 MB). */
const MAX_ENTRIES = 10_000;
/** Wait before a lost LISTEN connection is tried again, ms. */
const RECONNECT_MS = 1_000;

export interface ServingCache {
  /** The record of a live entry, or undefined (expired, absent, or the cache is not live). */
  get(imageId: string): ServingRecord | null | undefined;
  /** Keeps `record` (null: no such image) when the cache is live. */
  set(imageId: string, record: ServingRecord | null): void;
  /** True while this process hears every change. */
  live(): boolean;
  close(): Promise<void>;
}

/** A cache that keeps nothing: SERVING_CACHE_MS=0. */
export const NO_SERVING_CACHE: ServingCache = {
  get: () => undefined,
  set: () => undefined,
  live: () => false,
  close: () => Promise.resolve(),
};

/**
 * A cache whose LISTEN connection (its own client: LISTEN holds a connection for good) is opened on first use, or
 * NO_SERVING_CACHE when `config.SERVING_CACHE_MS` is 0. Never throws: an unreachable PostgreSQL only keeps the
 * cache bypassed until the connection is made, tried again every second.
 */
export function startServingCache(config: Pick<Config, 'DATABASE_URL' | 'SERVING_CACHE_MS'>, logger: Logger): ServingCache {
  if (config.SERVING_CACHE_MS === 0) return NO_SERVING_CACHE;
  const entries = new Map<string, { record: ServingRecord | null; until: number }>();
  const outage = outageLog(logger, 'PostgreSQL');
  let listener: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const lost = (client: pg.Client) => {
    if (listener === client) listener = null;
    entries.clear(); // changes made while deaf would be missed
    client.end().catch(() => undefined);
    if (!closed) retry ??= setTimeout(connect, RECONNECT_MS);
  };
  function connect(): void {
    retry = null;
    const client = new pg.Client({ connectionString: config.DATABASE_URL, application_name: 'imgmod-image-changes' });
    client.on('error', (error) => {
      outage.failed(error, 'image change LISTEN (serving reads PostgreSQL until it is back)');
      lost(client);
    });
    client.on('end', () => lost(client));
    client.on('notification', (message) => {
      if (message.payload) entries.delete(message.payload);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${IMAGE_CHANGED_CHANNEL}`))
      .then(() => {
        if (closed) return void client.end().catch(() => undefined);
        entries.clear();
        listener = client;
      })
      .catch((error: unknown) => {
        outage.failed(error, 'image change LISTEN (serving reads PostgreSQL until it is back)');
        lost(client);
      });
  }
  let started = false;

  return {
    get(imageId) {
      if (!started && !closed) {
        started = true; // connected on first use: a worker process never serves, and never listens
        connect();
      }
      if (!listener) return undefined;
      const entry = entries.get(imageId);
      if (!entry) return undefined;
      if (entry.until < Date.now()) {
        entries.delete(imageId);
        return undefined;
      }
      return entry.record;
    },
    set(imageId, record) {
      if (!listener) return;
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value!);
      entries.set(imageId, { record, until: Date.now() + config.SERVING_CACHE_MS });
    },
    live: () => listener !== null,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const client = listener;
      listener = null;
      entries.clear();
      await client?.end().catch(() => undefined);
    },
  };
}
