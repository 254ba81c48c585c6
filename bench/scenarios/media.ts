/**
 * Media scenarios of `npm run bench`: derivatives against raw sharp making the same outputs at the same
 * concurrency (in this process), the worker's memory around 300 mixed uploads, and upload intake against
 * multer + store + INSERT.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import pg from 'pg';
import sharp from 'sharp';
import { loadConfig } from '../../src/config.js';
import { lumaFromPixels, pdqHash } from '../../src/domain/pdq.js';
import { makeDerivatives } from '../../src/media/derivatives.js';
import { intakeLimitsFrom } from '../../src/media/inspect.js';
import { configureSharp } from '../../src/media/sharp-settings.js';
import { ratio, type BenchContext } from '../lib/context.js';
import { closedLoop, send, type RequestSpec } from '../lib/load.js';
import { startImgmod, startReference, JEMALLOC } from '../lib/processes.js';
import { median } from '../lib/stats.js';

const photos = new URL('../../demo/photos/', import.meta.url);

/** The derivative inputs: a 12-megapixel JPEG, a 1080p PNG and an EXIF-rotated JPEG. */
export async function mediaInputs(): Promise<Array<{ name: string; bytes: Buffer }>> {
  const large = await readFile(new URL('2569067123_aca715a2ee_o.jpg', photos));
  return [
    { name: '12 MP JPEG', bytes: await sharp(large).resize(4000, 3000, { fit: 'fill' }).jpeg({ quality: 90 }).toBuffer() },
    { name: '1080p PNG', bytes: await sharp(large).resize(1920, 1080, { fit: 'cover' }).png().toBuffer() },
    { name: 'EXIF-rotated JPEG', bytes: await readFile(new URL('Portrait_8.jpg', photos)) },
  ];
}

/**
 * What a plain sharp user writes for the same outputs: display, thumbnail, blurred review image, and one PDQ hash
 * of the picture (imgmod also hashes its eight orientations and a ladder of crops, to catch edited copies).
 */
async function rawSharp(bytes: Buffer): Promise<void> {
  const options = { failOn: 'warning' as const, autoOrient: true };
  const metadata = await sharp(bytes).metadata();
  const display = sharp(bytes, options);
  await (metadata.hasAlpha ? display.webp({ quality: 85 }) : display.jpeg({ quality: 85 })).toBuffer();
  await sharp(bytes, options).resize(320, 320, { fit: 'inside', withoutEnlargement: true }).webp({ quality: 80 }).toBuffer();
  await sharp(bytes, options)
    .resize(320, 320, { fit: 'inside', withoutEnlargement: true })
    .flatten({ background: { r: 128, g: 128, b: 128 } })
    .greyscale()
    .blur(8)
    .webp({ quality: 70 })
    .toBuffer();
  const { data, info } = await sharp(bytes, options)
    .flatten({ background: '#ffffff' })
    .toColourspace('srgb')
    .resize(512, 512, { fit: 'inside', withoutEnlargement: true })
    .raw()
    .toBuffer({ resolveWithObject: true });
  pdqHash(lumaFromPixels(new Uint8Array(data.buffer, data.byteOffset, data.length), info), info);
}

async function throughput(inputs: Buffer[], concurrency: number, work: (bytes: Buffer) => Promise<unknown>): Promise<number> {
  const queue = [...inputs];
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) await work(next);
    }),
  );
  return (inputs.length * 1000) / (performance.now() - started);
}

export async function derivatives(context: BenchContext): Promise<void> {
  context.log('derivatives: imgmod against raw sharp');
  const config = loadConfig({});
  const limits = intakeLimitsFrom(config);
  configureSharp({ threads: config.SHARP_CONCURRENCY });
  const inputs = await mediaInputs();
  const set = Array.from({ length: context.quick ? 2 : 4 }, () => inputs.map((input) => input.bytes)).flat();
  await throughput(set.slice(0, inputs.length), 1, (bytes) => makeDerivatives(bytes, limits)); // warm up
  const rates: Record<'imgmod' | 'sharp', number[]> = { imgmod: [], sharp: [] };
  for (let round = 0; round < context.rounds; round++) {
    const order: Array<'imgmod' | 'sharp'> = round % 2 ? ['sharp', 'imgmod'] : ['imgmod', 'sharp'];
    for (const name of order) {
      rates[name].push(
        await throughput(set, config.THUMBNAIL_CONCURRENCY, name === 'imgmod' ? (bytes) => makeDerivatives(bytes, limits) : rawSharp),
      );
    }
  }
  const r = ratio(median(rates.imgmod), median(rates.sharp));
  context.rows.push({
    measure: `derivatives (${inputs.map((input) => input.name).join(', ')}), ${config.THUMBNAIL_CONCURRENCY} at a time`,
    imgmod: `${median(rates.imgmod).toFixed(2)} img/s`,
    reference: `raw sharp, same outputs: ${median(rates.sharp).toFixed(2)} img/s`,
    ratio: r,
    target: '≥ 0.95× raw sharp',
    met: (r ?? 0) >= 0.95,
    data: rates,
  });
}

/** A JPEG made unique by a comment segment after its start marker (the picture is unchanged). */
function uniqueJpeg(bytes: Buffer): Buffer {
  const comment = Buffer.concat([Buffer.from([0xff, 0xfe, 0x00, 18]), randomBytes(16)]);
  return Buffer.concat([bytes.subarray(0, 2), comment, bytes.subarray(2)]);
}

function multipart(bytes: Buffer, token: string, filename: string): RequestSpec {
  const boundary = `bench${randomBytes(8).toString('hex')}`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\ncontent-disposition: form-data; name="file"; filename="${filename}"\r\ncontent-type: application/octet-stream\r\n\r\n`,
    ),
    bytes,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return {
    method: 'POST',
    path: '/v1/images',
    headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}` },
    body,
  };
}

/** What the worker's V8 heap and its external memory (Buffers and what sharp reports to V8) hold now, MB. */
async function workerHeapMb(context: BenchContext): Promise<{ heapUsed: number; heapTotal: number; external: number }> {
  const text = await (await fetch(context.workerMetricsUrl)).text();
  const read = (name: string) => Number(new RegExp(`^imgmod_nodejs_${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN) / 2 ** 20;
  return { heapUsed: read('heap_size_used_bytes'), heapTotal: read('heap_size_total_bytes'), external: read('external_memory_bytes') };
}

/**
 * The worker's resident memory before, at the peak of, and 15 s after 300 mixed uploads (30 with --quick; JPEG photos and
 * 1080p PNGs), all processed; the worker runs with jemalloc preloaded as in the Docker image when present.
 */
export async function workerMemory(context: BenchContext, uploaderToken: string): Promise<void> {
  context.log(`worker memory: ${context.quick ? 30 : 300} mixed uploads`);
  const jpegs = await Promise.all(
    (await readdir(photos)).filter((name) => /\.jpe?g$/i.test(name)).map((name) => readFile(new URL(name, photos))),
  );
  const base = await sharp(jpegs[0]).resize(1920, 1080, { fit: 'cover' }).raw().toBuffer({ resolveWithObject: true });
  const count = context.quick ? 30 : 300;
  const before = context.worker.memoryMb().rss;
  const heapBefore = await workerHeapMb(context);
  const specs: RequestSpec[] = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 2) {
      const pixels = Buffer.from(base.data);
      randomBytes(64).copy(pixels, (i * 997) % (pixels.length - 64)); // a few different pixels: a distinct file
      specs.push(multipart(await sharp(pixels, { raw: base.info }).png({ compressionLevel: 6 }).toBuffer(), uploaderToken, 'mixed.png'));
    } else {
      specs.push(multipart(uniqueJpeg(jpegs[i % jpegs.length]!), uploaderToken, 'mixed.jpg'));
    }
  }
  const ids: string[] = [];
  const queue = specs.map((spec, index) => ({ spec, index }));
  const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
  const apiBase = new URL(`http://127.0.0.1:${context.api.port}`);
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        for (;;) {
          const answer = await send(apiBase, agent, next.spec);
          if (answer.status === 201) {
            ids.push((JSON.parse(answer.body.toString()) as { id: string }).id);
            break;
          }
          if (answer.status !== 503) throw new Error(`upload answered ${answer.status}: ${answer.body.toString()}`);
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    }),
  );
  agent.destroy();
  let peak = 0;
  const started = performance.now();
  for (;;) {
    peak = Math.max(peak, context.worker.memoryMb().rss);
    const open = await context.pool.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM images WHERE id = ANY($1) AND status = 'processing'`,
      [ids],
    );
    if (open.rows[0]!.n === 0) break;
    if (performance.now() - started > 600_000) throw new Error('uploads still processing after 10 minutes');
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  const seconds = (performance.now() - started) / 1000;
  // jemalloc hands unused pages back after its dirty_decay_ms (10 s by default): read the level after 15 s idle.
  await new Promise((resolve) => setTimeout(resolve, 15_000));
  const after = context.worker.memoryMb().rss;
  const heapAfter = await workerHeapMb(context);
  const failed = await context.pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM images WHERE id = ANY($1) AND status <> 'visible'`,
    [ids],
  );
  const allocator = existsSync(JEMALLOC) ? 'jemalloc' : 'glibc malloc';
  context.rows.push({
    measure: `worker memory, ${count} mixed uploads (${allocator})`,
    imgmod: `RSS ${before.toFixed(0)} MB before, peak ${peak.toFixed(0)} MB, ${after.toFixed(0)} MB 15 s after (${(after - before).toFixed(0)} MB above); processed in ${seconds.toFixed(0)} s${failed.rows[0]!.n ? `, ${failed.rows[0]!.n} not visible` : ''}; V8 heap ${heapBefore.heapTotal.toFixed(0)} → ${heapAfter.heapTotal.toFixed(0)} MB (used ${heapBefore.heapUsed.toFixed(0)} → ${heapAfter.heapUsed.toFixed(0)}), external ${heapBefore.external.toFixed(0)} → ${heapAfter.external.toFixed(0)} MB`,
    reference: '',
    ratio: null,
    target: 'returns within 50 MB of its level before',
    met: after - before <= 50,
    data: {
      beforeMb: before,
      peakMb: peak,
      afterMb: after,
      heapBefore,
      heapAfter,
      processSeconds: seconds,
      notVisible: failed.rows[0]!.n,
      allocator,
    },
  });
}

/**
 * Upload intake of a 1 MB JPEG over 20 connections: imgmod's API (its own database and queue prefix, no worker,
 * so the processing it queues does not compete; UPLOAD_CONCURRENCY 20) against multer + SHA-256 + file write + INSERT.
 */
export async function uploadIntake(context: BenchContext, token: string, server: string): Promise<void> {
  context.log('upload intake: 1 MB JPEG, 20 connections');
  const name = `${context.imgmodEnv.QUEUE_PREFIX}_uploads`;
  const admin = new pg.Client({ connectionString: `${server}/postgres` });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const databaseUrl = `${server}/${name}`;
  // As many uploads read at once as connections (UPLOAD_CONCURRENCY is 4 by default): the intake is measured, not
  // the admission limit's 503s.
  const api = await startImgmod(
    'api',
    { ...context.imgmodEnv, DATABASE_URL: databaseUrl, QUEUE_PREFIX: name, UPLOAD_CONCURRENCY: '20' },
    context.logFile,
  );
  const reference = await startReference('upload-server', { DATABASE_URL: databaseUrl, REF_UPLOAD_DIR: context.tmpDir });
  const photo = await readFile(new URL('2569067123_aca715a2ee_o.jpg', photos));
  const jpeg = await sharp(photo).jpeg({ quality: 92 }).toBuffer();
  try {
    const rates: Record<'imgmod' | 'reference', number[]> = { imgmod: [], reference: [] };
    const cpuEach: number[] = [];
    const statuses: Record<number, number> = {};
    for (let round = 0; round < context.rounds; round++) {
      const order: Array<'imgmod' | 'reference'> = round % 2 ? ['reference', 'imgmod'] : ['imgmod', 'reference'];
      for (const system of order) {
        const process = system === 'imgmod' ? api : reference;
        const cpuBefore = process.cpuMs();
        const run = await closedLoop(new URL(`http://127.0.0.1:${process.port}`), {
          connections: 20,
          durationMs: context.runMs,
          next: () => multipart(uniqueJpeg(jpeg), token, 'upload.jpg'),
        });
        rates[system].push(run.okPerSecond);
        if (system === 'imgmod')
          for (const [code, n] of Object.entries(run.statuses)) statuses[Number(code)] = (statuses[Number(code)] ?? 0) + n;
        if (system === 'imgmod') cpuEach.push((process.cpuMs() - cpuBefore) / Math.max(1, run.statuses[201] ?? 0));
      }
    }
    const r = ratio(median(rates.imgmod), median(rates.reference));
    context.rows.push({
      measure: `upload intake, ${(jpeg.length / 1e6).toFixed(1)} MB JPEG, 20 connections`,
      imgmod: `${median(rates.imgmod).toFixed(0)} uploads/s, ${median(cpuEach).toFixed(0)} ms CPU each (checks included)`,
      reference: `multer + store + INSERT, no checks: ${median(rates.reference).toFixed(0)} uploads/s`,
      ratio: r,
      target: '',
      met: null,
      data: { ...rates, cpuPerUploadMs: cpuEach, statuses },
    });
  } finally {
    await Promise.all([api.stop(), reference.stop()]);
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}
