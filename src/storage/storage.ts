/**
 * Where image bytes live, behind one small interface. Keys are relative paths such as
 * `originals/<id>` or `thumbnails/<id>.webp`.
 */
export interface Storage {
  /** Writes (or overwrites) the object at `key`. */
  put(key: string, bytes: Buffer): Promise<void>;
  /** Reads the object at `key`; throws StorageNotFoundError when there is none. */
  get(key: string): Promise<Buffer>;
  /** Deletes the object at `key`; deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections (S3's sockets); the storage is not used afterwards. */
  close(): Promise<void>;
}

/** Thrown by Storage.get for a key that holds nothing. */
export class StorageNotFoundError extends Error {
  constructor(key: string) {
    super(`no stored object at ${key}`);
    this.name = 'StorageNotFoundError';
  }
}

/** Thrown by a Storage whose backend failed (disk error, S3 unreachable): the request may work later. */
export class StorageUnavailableError extends Error {
  constructor(operation: string, key: string, cause: unknown) {
    super(`storage ${operation} of ${key} failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
    this.name = 'StorageUnavailableError';
  }
}

/**
 * Wraps a Storage so that every failure other than StorageNotFoundError becomes a StorageUnavailableError,
 * which the API answers with 503 `storage_unavailable` (and a worker job retries), whatever the backend.
 */
export function reportingOutages(storage: Storage): Storage {
  const guard = async <T>(operation: string, key: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof StorageNotFoundError) throw error;
      throw new StorageUnavailableError(operation, key, error);
    }
  };
  return {
    put: (key, bytes) => guard('write', key, () => storage.put(key, bytes)),
    get: (key) => guard('read', key, () => storage.get(key)),
    delete: (key) => guard('delete', key, () => storage.delete(key)),
    close: () => storage.close(),
  };
}
