/**
 * The demo's articles and their photos. The photos live in demo/photos/ (inside the project); the first
 * visit to /demo uploads them into imgmod through the ordinary upload use case, as the demo site's uploader,
 * and later visits find them again by their SHA-256, so a photo blocked in the demo stays blocked.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import type { Deps } from '../deps.js';
import { findImage, findUploadedBytes } from '../db/images.repository.js';
import { uploadImage } from '../images/upload-image.js';
import { projectPath } from '../paths.js';
import { DEMO_UPLOADER } from './demo-site.js';
import { DEFAULT_SITE_ID } from '../domain/sites.js';

/** How long the first visit waits for thumbnails before rendering anyway, in ms. */
const PROCESSING_WAIT_MS = 10_000;

export const DEMO_ARTICLES = [
  {
    photo: '2569067123_aca715a2ee_o.jpg',
    fr: { headline: 'Atelier bois : les bons gestes pour débuter', caption: 'Une scie circulaire bien réglée, lame protégée.' },
    en: { headline: 'Woodworking: good habits for beginners', caption: 'A circular saw, set up with its blade guard.' },
  },
  {
    photo: 'concert.jpg',
    fr: { headline: 'Un concert gratuit fait salle comble', caption: 'La salle des fêtes samedi soir.' },
    en: { headline: 'A free concert fills the hall', caption: 'The town hall on Saturday night.' },
  },
  {
    // A real photograph (demo/photos/ATTRIBUTION.md), where an EXIF orientation test chart used to stand.
    photo: 'park-walk.jpg',
    fr: { headline: 'Promenade : trois boucles au parc', caption: 'Au parc, un matin de printemps.' },
    en: { headline: 'Walks: three loops through the park', caption: 'In the park, one spring morning.' },
  },
] as const;

/** An article with its photo's image id and display size (null until processed). */
export type DemoArticle = (typeof DEMO_ARTICLES)[number] & { imageId: string; width: number | null; height: number | null };

async function seedPhoto(deps: Pick<Deps, 'config' | 'pool' | 'storage'>, photo: string): Promise<string> {
  const bytes = await readFile(projectPath(`demo/photos/${photo}`));
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const existing = await findUploadedBytes(deps.pool, { uploaderId: DEMO_UPLOADER, sha256 });
  if (existing && existing.status !== 'removed' && existing.status !== 'failed') return existing.id;
  return (await uploadImage(deps, { siteId: DEFAULT_SITE_ID, uploaderId: DEMO_UPLOADER, bytes })).id;
}

/** Waits until no image is still `processing`, polling every 50 ms, for at most PROCESSING_WAIT_MS. */
async function waitProcessed(deps: Pick<Deps, 'pool'>, ids: readonly string[]): Promise<void> {
  const deadline = Date.now() + PROCESSING_WAIT_MS;
  while (Date.now() < deadline) {
    const images = await Promise.all(ids.map((id) => findImage(deps.pool, id)));
    if (images.every((image) => image?.status !== 'processing')) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const seeding = new WeakMap<object, Promise<DemoArticle[]>>();

/**
 * The demo articles with their image ids and sizes, uploading missing (or removed) photos first. Concurrent visits
 * share one lookup, so a burst of first visits uploads each photo once per process.
 */
export function demoArticles(deps: Pick<Deps, 'config' | 'pool' | 'storage'>): Promise<DemoArticle[]> {
  const pending =
    seeding.get(deps.pool) ??
    (async () => {
      const ids: string[] = [];
      for (const article of DEMO_ARTICLES) ids.push(await seedPhoto(deps, article.photo));
      await waitProcessed(deps, ids);
      const images = await Promise.all(ids.map((id) => findImage(deps.pool, id)));
      return DEMO_ARTICLES.map((article, i) => ({
        ...article,
        imageId: ids[i]!,
        width: images[i]?.width ?? null,
        height: images[i]?.height ?? null,
      }));
    })();
  seeding.set(deps.pool, pending);
  const settled = () => seeding.delete(deps.pool);
  pending.then(settled, settled);
  return pending;
}
