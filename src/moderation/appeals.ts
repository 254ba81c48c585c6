/** Use cases: an uploader learns why their image was blocked, and appeals once; moderators' decisions answer it. */
import type { User } from '../auth/tokens.js';
import type { Deps } from '../deps.js';
import { findAppeal, insertAppeal, type AppealRow } from '../db/appeals.repository.js';
import { findImage } from '../db/images.repository.js';
import { listEventsForImage } from '../db/moderation-events.repository.js';
import { listReportsForImage } from '../db/reports.repository.js';
import { mayAppeal } from '../domain/appeals.js';
import type { ImageStatus } from '../domain/image-status.js';
import type { ReportReason } from '../domain/reports.js';
import { hasRole } from '../domain/roles.js';
import { AppError, notFound } from '../errors.js';

/** What an uploader may know about their image's moderation: never who reported. */
export interface ModerationView {
  imageId: string;
  status: ImageStatus;
  /** How the image came to be hidden: readers' reports, a copy of a blocked picture, or a moderator. */
  hiddenBy: 'reports' | 'near_duplicate' | 'moderator' | null;
  /** Reports per reason, all time. */
  reasons: Partial<Record<ReportReason, number>>;
  reports: number;
  appeal: Omit<AppealRow, 'imageId' | 'uploaderId' | 'decidedBy'> | null;
  /** True while the uploader may still appeal. */
  mayAppeal: boolean;
}

const HIDING_ACTIONS: Record<string, ModerationView['hiddenBy']> = {
  auto_block: 'reports',
  near_duplicate_block: 'near_duplicate',
  uphold: 'moderator',
  remove: 'moderator',
};

/**
 * Who asks about an image's moderation: a first-party user (their id and role), or a site's server with its API
 * key (`site`: the key's site; `id` is then `site:<site>`, the uploader id of its uploads).
 */
export interface Asker {
  id: string;
  moderator: boolean;
  site: string | null;
}

/** A first-party user as an Asker. */
export function userAsker(user: User): Asker {
  return { id: user.id, moderator: hasRole(user.role, 'moderator'), site: null };
}

/** Whether `asker` speaks for an image's uploader: the uploader themselves, or a key of the image's site. */
function speaksForUploader(asker: Asker, image: { uploaderId: string; siteId: string }): boolean {
  return image.uploaderId === asker.id || (asker.site !== null && asker.site === image.siteId);
}

/** Only the uploader, its site's key, or a moderator sees an image's moderation; anyone else gets 404 as if it did not exist. */
async function ownImage(deps: Pick<Deps, 'pool'>, imageId: string, asker: Asker) {
  const image = await findImage(deps.pool, imageId);
  if (!image || !(speaksForUploader(asker, image) || asker.moderator)) throw notFound('image');
  return image;
}

/** The uploader's view of why their image is hidden, and their appeal. @throws AppError 404 for anyone else */
export async function getModerationView(deps: Pick<Deps, 'pool'>, input: { imageId: string; asker: Asker }): Promise<ModerationView> {
  const image = await ownImage(deps, input.imageId, input.asker);
  const [reports, events, appeal] = await Promise.all([
    listReportsForImage(deps.pool, image.id),
    listEventsForImage(deps.pool, image.id),
    findAppeal(deps.pool, image.id),
  ]);
  const reasons: Partial<Record<ReportReason, number>> = {};
  for (const report of reports) reasons[report.reason] = (reasons[report.reason] ?? 0) + 1;
  const hiding = image.status === 'visible' ? undefined : events.filter((event) => event.action in HIDING_ACTIONS).at(-1);
  return {
    imageId: image.id,
    status: image.status,
    hiddenBy: hiding ? HIDING_ACTIONS[hiding.action]! : null,
    reasons,
    reports: reports.length,
    appeal: appeal && {
      message: appeal.message,
      createdAt: appeal.createdAt,
      decidedAt: appeal.decidedAt,
      outcome: appeal.outcome,
      response: appeal.response,
    },
    mayAppeal: speaksForUploader(input.asker, image) && mayAppeal(image.status, appeal !== null),
  };
}

/**
 * The uploader appeals the block of their image, once, with a message; it joins the `appealed` queue.
 * @throws AppError 404 for an image that is not theirs; 409 `appeal_exists`; 409 `not_appealable` unless the image
 *   is auto-blocked or blocked
 */
export async function appealImage(deps: Pick<Deps, 'pool'>, input: { imageId: string; asker: Asker; message: string }): Promise<AppealRow> {
  const image = await findImage(deps.pool, input.imageId);
  if (!image || !speaksForUploader(input.asker, image)) throw notFound('image');
  if (!mayAppeal(image.status, false)) {
    throw new AppError({ code: 'not_appealable', message: `only a blocked image can be appealed (status: ${image.status})` });
  }
  const appeal = await insertAppeal(deps.pool, { imageId: image.id, uploaderId: input.asker.id, message: input.message });
  if (!appeal) throw new AppError({ code: 'appeal_exists', message: 'this image was already appealed: an image can be appealed once' });
  return appeal;
}
