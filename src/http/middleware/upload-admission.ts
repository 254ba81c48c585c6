/** Admission for uploads: a body declared too large is refused unread, and only so many are read at once. */
import type { RequestHandler } from 'express';
import type { Deps } from '../../deps.js';
import { AppError } from '../../errors.js';

/** Room for the multipart envelope around the file (boundaries, part headers, small fields), in bytes. */
const MULTIPART_OVERHEAD_BYTES = 64 * 1024;

/**
 * Bounds the memory uploads take: a body declared larger than MAX_UPLOAD_BYTES is refused before it is read
 * (413, connection closed), and at most UPLOAD_CONCURRENCY uploads are read at once; another answers 503
 * `too_many_uploads` with Retry-After at once, its body discarded as it arrives (never buffered).
 */
export function uploadAdmission(config: Deps['config']): RequestHandler {
  let inFlight = 0;
  return (req, res, next) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > config.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD_BYTES) {
      res.set('Connection', 'close');
      throw new AppError({ code: 'payload_too_large', message: 'the file is larger than the upload limit' });
    }
    if (inFlight >= config.UPLOAD_CONCURRENCY) {
      req.resume();
      throw new AppError({ code: 'too_many_uploads', message: 'too many uploads at once; try again shortly' });
    }
    inFlight++;
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      inFlight--;
    };
    res.on('finish', release);
    res.on('close', release);
    next();
  };
}
