/**
 * What `/i/:id` needs to know of an image (status, derivative keys, version), kept in memory for at most
 * SERVING_CACHE_MS so that serving does not read PostgreSQL per request. Correct only while this process hears
 * every change: a LISTEN on the image_changed channel (migration 035's trigger) drops an entry as its change
 * commits, and while that connection is down (or not yet up) the cache is bypassed and emptied. A change is
 * therefore served within the notification's delay (milliseconds); a record read while a change was committing is
 * not kept once that change is heard (stamp/set), and SERVING_CACHE_MS bounds any miss.
 *
 * An entry may also hold the bytes of the image's derivatives, within SERVING_CACHE_MB for the whole process, so a
 * hot image is answered without touching storage. They belong to the entry's record (a new version is a new
 * record), go with it when it expires or its image changes, and the least recently served go first.
 */
import pg from 'pg';
import type { Config } from '../config.js';
import type { ServedVariant } from './serve-image.js';
import type { ServingRecord } from '../db/images.repository.js';
import type { Logger } from '../logger.js';
import { outageLog } from '../outage-log.js';

/** The channel migration 035's trigger notifies, with the image id as payload. */
export const IMAGE_CHANGED_CHANNEL = 'image_changed';
/** Entries kept at most; the oldest is dropped first (10,000 records are about 3 MB). */
const MAX_ENTRIES = 10_000;
/** Wait before a lost LISTEN connection is tried again, ms. */
const RECONNECT_MS = 1_000;

/** The bytes kept of one file at most: an eighth of the budget, so one huge derivative cannot empty the cache. */
const LARGEST_SHARE = 8;

export interface ServingCache {
  /** The record of a live entry, or undefined (expired, absent, or the cache is not live). */
  get(imageId: string): ServingRecord | null | undefined;
  /** The change stamp to take before reading an image's record from PostgreSQL, for set(). */
  stamp(): number;
  /**
   * Keeps `record` (null: no such image) when the cache is live and no change to the image was heard since `stamp`
   * was taken (nor was the connection lost): a record read before a block committed is never kept after it.
   */
  set(imageId: string, record: ServingRecord | null, stamp: number): void;
  /** The kept bytes of `record`'s derivative, or undefined; `record` must be the one get() answered. */
  bytes(record: ServingRecord, variant: ServedVariant): Buffer | undefined;
  /**
   * Keeps the bytes of `record`'s derivative while `record` is still the entry's (so bytes read while the image
   * changed are never kept for its new version) and they fit the budget; the least recently served go first.
   */
  keepBytes(record: ServingRecord, variant: ServedVariant, bytes: Buffer): void;
  /** Bytes kept now (tests read it; not yet a /metrics gauge). */
  bytesKept(): number;
  /** True while this process hears every change. */
  live(): boolean;
  close(): Promise<void>;
}

/** A cache that keeps nothing: SERVING_CACHE_MS=0. */
export const NO_SERVING_CACHE: ServingCache = {
  get: () => undefined,
  stamp: () => 0,
  set: () => undefined,
  bytes: () => undefined,
  keepBytes: () => undefined,
  bytesKept: () => 0,
  live: () => false,
  close: () => Promise.resolve(),
};

/**
 * A cache whose LISTEN connection (its own client: LISTEN holds a connection for good) is opened on first use, or
 * NO_SERVING_CACHE when `config.SERVING_CACHE_MS` is 0. Never throws: an unreachable PostgreSQL only keeps the
 * cache bypassed until the connection is made, tried again every second.
 */
export function startServingCache(
  config: Pick<Config, 'DATABASE_URL' | 'SERVING_CACHE_MS' | 'SERVING_CACHE_MB'>,
  logger: Logger,
): ServingCache {
  if (config.SERVING_CACHE_MS === 0) return NO_SERVING_CACHE;
  const entries = new Map<string, Entry>();
  const files = byteBudget(config.SERVING_CACHE_MB * 1024 * 1024);
  const drop = (imageId: string) => {
    const entry = entries.get(imageId);
    if (!entry) return;
    entries.delete(imageId);
    files.forget(entry);
  };
  // Change stamps: `sequence` counts the changes heard; `changedAt` has each recently changed image's last one; a
  // stamp below `floor` (a lost connection, or `changedAt` emptied to bound it) is too old to trust.
  let sequence = 0;
  let floor = 0;
  const changedAt = new Map<string, number>();
  const heard = (imageId: string) => {
    if (changedAt.size >= MAX_ENTRIES) {
      changedAt.clear();
      floor = sequence + 1;
    }
    changedAt.set(imageId, ++sequence);
    drop(imageId);
  };
  const clear = () => {
    entries.clear();
    files.clear();
    changedAt.clear();
    floor = ++sequence;
  };
  const outage = outageLog(logger, 'PostgreSQL');
  let listener: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;

  const lost = (client: pg.Client) => {
    if (listener === client) listener = null;
    clear(); // changes made while deaf would be missed
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
      if (message.payload) heard(message.payload);
    });
    client
      .connect()
      .then(() => client.query(`LISTEN ${IMAGE_CHANGED_CHANNEL}`))
      .then(() => {
        if (closed) return void client.end().catch(() => undefined);
        clear();
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
        drop(imageId);
        return undefined;
      }
      return entry.record;
    },
    stamp: () => sequence,
    set(imageId, record, stamp) {
      if (!listener || stamp < floor || (changedAt.get(imageId) ?? -1) > stamp) return;
      if (entries.size >= MAX_ENTRIES) drop(entries.keys().next().value!);
      drop(imageId);
      entries.set(imageId, { imageId, record, until: Date.now() + config.SERVING_CACHE_MS, files: {} });
    },
    bytes(record, variant) {
      const entry = entries.get(record.id);
      if (!listener || entry?.record !== record) return undefined;
      return files.touch(entry, variant);
    },
    keepBytes(record, variant, bytes) {
      const entry = entries.get(record.id);
      if (!listener || entry?.record !== record) return;
      files.keep(entry, variant, bytes);
    },
    bytesKept: () => files.size(),
    live: () => listener !== null,
    async close() {
      closed = true;
      if (retry) clearTimeout(retry);
      const client = listener;
      listener = null;
      clear();
      await client?.end().catch(() => undefined);
    },
  };
}

/** One image's cached record and the bytes kept of its derivatives. */
interface Entry {
  imageId: string;
  record: ServingRecord | null;
  /** Date.now() after which the entry is dropped. */
  until: number;
  files: Partial<Record<ServedVariant, Buffer>>;
}

/**
 * The derivative bytes of all entries within `limit` bytes, least recently served dropped first. Bytes live on their
 * entry; this keeps the order and the total.
 */
function byteBudget(limit: number) {
  /** Insertion order is recency: a served file is moved to the end. */
  const order = new Map<string, { entry: Entry; variant: ServedVariant }>();
  let total = 0;
  const keyOf = (entry: Entry, variant: ServedVariant) => `${variant}:${entry.imageId}`;
  const remove = (entry: Entry, variant: ServedVariant) => {
    const bytes = entry.files[variant];
    if (!bytes) return;
    total -= bytes.length;
    delete entry.files[variant];
    order.delete(keyOf(entry, variant));
  };
  return {
    touch(entry: Entry, variant: ServedVariant): Buffer | undefined {
      const bytes = entry.files[variant];
      if (!bytes) return undefined;
      const key = keyOf(entry, variant);
      order.delete(key);
      order.set(key, { entry, variant });
      return bytes;
    },
    keep(entry: Entry, variant: ServedVariant, bytes: Buffer): void {
      if (bytes.length > limit / LARGEST_SHARE) return;
      remove(entry, variant);
      while (total + bytes.length > limit) {
        const oldest = order.values().next().value!;
        remove(oldest.entry, oldest.variant);
      }
      // A small Buffer may be a slice of Node's shared 8 KiB pool (s3-storage's Buffer.from): keeping it would
      // pin the whole slab for the few bytes counted, so such a slice is copied into memory of its own.
      if (bytes.byteOffset !== 0 || bytes.buffer.byteLength !== bytes.length) {
        const own = Buffer.allocUnsafeSlow(bytes.length);
        bytes.copy(own);
        bytes = own;
      }
      entry.files[variant] = bytes;
      order.set(keyOf(entry, variant), { entry, variant });
      total += bytes.length;
    },
    forget(entry: Entry): void {
      remove(entry, 'display');
      remove(entry, 'thumbnail');
    },
    clear(): void {
      order.clear();
      total = 0;
    },
    size: () => total,
  };
}
