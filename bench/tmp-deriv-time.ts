import { mediaInputs } from './scenarios/media.js';
import { inspectImage, intakeLimitsFrom } from '../src/media/inspect.js';
import { makeDerivatives } from '../src/media/derivatives.js';
import { computePdqHashes, computePdq } from '../src/media/pdq.js';
import { loadConfig } from '../src/config.js';
import { configureSharp } from '../src/media/sharp-settings.js';
import { makeDisplayImage } from '../src/media/display.js';
import { makeThumbnail } from '../src/media/thumbnail.js';
import { makeReviewImage } from '../src/media/review.js';
import { deadlineIn } from '../src/media/sharp-settings.js';
const config = loadConfig({}); const limits = intakeLimitsFrom(config); configureSharp({ threads: config.SHARP_CONCURRENCY });
const inputs = await mediaInputs();
async function t(label: string, f: () => Promise<unknown>, n=5){ await f(); const s=performance.now(); for(let i=0;i<n;i++) await f(); console.log(label.padEnd(40), ((performance.now()-s)/n).toFixed(1),'ms'); }
for (const input of inputs) {
  const common = { maxInputPixels: limits.maxInputPixels, deadline: deadlineIn(600000) };
  const source = await inspectImage(input.bytes, limits);
  await t(input.name+' total', () => makeDerivatives(input.bytes, limits));
  await t(input.name+' inspect', () => inspectImage(input.bytes, limits));
  await t(input.name+' display', () => makeDisplayImage(input.bytes, { ...common, frames: 1, hasAlpha: source.hasAlpha }));
  await t(input.name+' thumb', () => makeThumbnail(input.bytes, common));
  await t(input.name+' review', () => makeReviewImage(input.bytes, { ...common, frames: 1 }));
  await t(input.name+' pdq all', () => computePdqHashes(input.bytes, common));
  await t(input.name+' pdq ref', () => computePdq(input.bytes, common));
}
