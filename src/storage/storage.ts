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
