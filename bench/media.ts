/**
 * `npm run bench`: the media pipeline's speed and memory on the demo photos, with nothing else running.
 * For each photo: intake (sniff + header + small full decode) and derivatives (intake again, display image,
 * thumbnail, review image, PDQ hashes), median of 5 runs in ms with the default settings (one libvips
 * thread); then the process's peak RSS. Goals: intake under 100 ms and all derivatives under 500 ms for a
 * 6-megapixel JPEG on one core; peak RSS under 400 MB.
 */
import { readdir, readFile } from 'node:fs/promises';
import { loadConfig } from '../src/config.js';
import { makeDerivatives } from '../src/media/derivatives.js';
import { inspectImage, intakeLimitsFrom } from '../src/media/inspect.js';
import { configureSharp } from '../src/media/sharp-settings.js';

const RUNS = 5;
const config = loadConfig({});
const limits = intakeLimitsFrom(config);
configureSharp({ threads: config.SHARP_CONCURRENCY });
const dir = new URL('../demo/photos/', import.meta.url);

async function median(work: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await work();
    times.push(performance.now() - started);
  }
  return times.sort((a, b) => a - b)[Math.floor(RUNS / 2)]!;
}

console.log('photo'.padEnd(32), 'pixels'.padStart(10), 'intake ms'.padStart(10), 'derivs ms'.padStart(10));
for (const name of (await readdir(dir)).filter((file) => /\.(jpe?g|png)$/i.test(file)).sort()) {
  const bytes = await readFile(new URL(name, dir));
  const info = await inspectImage(bytes, limits);
  const intake = await median(() => inspectImage(bytes, limits));
  const thumb = await median(() => makeDerivatives(bytes, limits));
  console.log(
    name.padEnd(32),
    String(info.width * info.height).padStart(10),
    intake.toFixed(1).padStart(10),
    thumb.toFixed(1).padStart(10),
  );
}
console.log(`peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
