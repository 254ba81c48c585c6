/**
 * The upload intake reference of `npm run bench`: multer in memory, the bytes' SHA-256, the file written to
 * REF_UPLOAD_DIR and one INSERT; none of imgmod's checks (sniffing, header and decode checks, quotas).
 * Prints `listening <port>`.
 */
import { createHash, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import multer from 'multer';
import pg from 'pg';
import { REFERENCE_SCHEMA } from './schema.js';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
await pool.query(REFERENCE_SCHEMA);
const dir = process.env.REF_UPLOAD_DIR ?? '.';
const upload = multer({ storage: multer.memoryStorage(), limits: { fileSize: 20 * 1024 * 1024 } });
const app = express();
app.post('/v1/images', upload.single('file'), async (req, res) => {
  if (!req.file) {
    res.status(400).json({ code: 'invalid_request' });
    return;
  }
  const id = randomUUID();
  const sha256 = createHash('sha256').update(req.file.buffer).digest('hex');
  await writeFile(join(dir, id), req.file.buffer);
  await pool.query('INSERT INTO ref_uploads (id, sha256, bytes, storage_key) VALUES ($1, $2, $3, $4)', [id, sha256, req.file.size, id]);
  res.status(201).json({ id });
});
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
console.log(`listening ${(server.address() as AddressInfo).port}`);
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
