/**
 * `npm run demo`: against a running imgmod (IMGMOD_URL, default http://localhost:$PORT), uploads the photos in
 * demo/photos/, has three readers report one of them, and prints each step down to the 410 its URL then gives.
 * Tokens are signed locally with JWT_SECRET (the development default unless set), as a host site would.
 */
import { readdir, readFile } from 'node:fs/promises';
import { loadConfig } from '../src/config.js';
import { signToken } from '../src/auth/tokens.js';

const config = loadConfig();
const baseUrl = process.env.IMGMOD_URL ?? `http://localhost:${config.PORT}`;
const secret = config.JWT_SECRET;
const photosDir = new URL('../demo/photos/', import.meta.url);

interface ImageRecord {
  id: string;
  status: string;
  width: number | null;
  height: number | null;
  openReports: number;
  score: number;
}

async function call(path: string, user: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${await signToken(secret, { sub: user, expiresIn: '10m' })}`);
  return fetch(`${baseUrl}${path}`, { ...init, headers });
}

async function record(id: string): Promise<ImageRecord> {
  return (await (await call(`/v1/images/${id}`, 'demo-viewer')).json()) as ImageRecord;
}

/** Polls the record every 25 ms until `done` holds, for at most 15 s. */
async function until(id: string, done: (image: ImageRecord) => boolean): Promise<ImageRecord> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const image = await record(id);
    if (done(image)) return image;
    if (Date.now() > deadline) {
      throw new Error(`image ${id} is still ${image.status} after 15 s: is the worker running? (A picture restored by a moderator needs twice the reports: see the README on starting afresh.)`);
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const ready = await fetch(`${baseUrl}/readyz`).catch(() => null);
if (!ready?.ok) {
  console.error(`imgmod is not answering at ${baseUrl}: start it with \`npm start\` first, or set IMGMOD_URL to where it runs.`);
  process.exit(1);
}

const ids: string[] = [];
for (const name of (await readdir(photosDir)).filter((file) => /\.(jpe?g|png|webp|gif|avif)$/i.test(file)).sort()) {
  const form = new FormData();
  form.append('file', new Blob([await readFile(new URL(name, photosDir))]), name);
  const response = await call('/v1/images', 'demo-uploader', { method: 'POST', body: form });
  const body = (await response.json()) as { id: string; status: string };
  console.log(`upload      ${name.padEnd(30)} → ${response.status} ${body.id} (${body.status})`);
  ids.push(body.id);
}
for (const id of ids) {
  const image = await until(id, (candidate) => candidate.status !== 'processing');
  console.log(`thumbnail   ${id} → ${image.status}, ${image.width}x${image.height}, ${baseUrl}/i/${id}/thumb`);
}

const target = ids[0]!;
console.log(`\nthree readers report ${baseUrl}/i/${target}`);
let blockedEarly = false;
let lastReportAt = 0;
for (const [reader, reason] of [['reader-ana', 'violence'], ['reader-ben', 'violence'], ['reader-chloe', 'hate']] as const) {
  const response = await call(`/v1/images/${target}/reports`, reader, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ reason }),
  });
  lastReportAt = performance.now();
  const body = (await response.json()) as { duplicate: boolean };
  const image = await record(target);
  console.log(`report      ${reader.padEnd(13)} ${reason.padEnd(9)} → ${response.status} duplicate=${body.duplicate}; score ${image.score}, status ${image.status}`);
  blockedEarly ||= reader !== 'reader-chloe' && image.status !== 'visible';
}
if (blockedEarly) {
  console.log('note        blocked before the third report: this photo was uploaded and reported before (an earlier demo run),');
  console.log('            and reports count across near-duplicates (perceptual hash), one per reader');
}
const blocked = await until(target, (image) => image.status !== 'visible');
const latencyMs = Math.round(performance.now() - lastReportAt);
console.log(`block       ${target} → ${blocked.status} (score ${blocked.score}), seen ${latencyMs} ms after the third report`);
const served = await fetch(`${baseUrl}/i/${target}`);
console.log(`GET /i/${target} → ${served.status} ${served.statusText} (${served.headers.get('content-type')} placeholder)`);
