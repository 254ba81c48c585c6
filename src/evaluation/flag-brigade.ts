/** Use case step: record that the brigade guard flagged or held back an image, with an audit event saying why. */
import { flagSuspectedBrigade } from '../db/images.repository.js';
import { appendEvent } from '../db/moderation-events.repository.js';
import type { Queryable } from '../db/pool.js';
import type { ImageStatus } from '../domain/image-status.js';
import type { BrigadeEvidence, BrigadeSignal } from '../domain/threshold.js';

const SIGNAL_TEXT: Record<BrigadeSignal, string> = {
  low_trust_burst: "most of a burst's score from low-trust reporters",
  unproven_network: 'several readers with no record on one network',
  account_cluster: 'several readers with no record whose accounts were created together',
  uncorroborated: 'no reader with a proven record and too few ordinary readers on distinct networks',
};

function explain(evidence: BrigadeEvidence): string {
  const minutes = Math.round(evidence.windowMs / 60_000);
  const held = evidence.heldBack ? 'the threshold was reached but the image was not auto-blocked' : 'flagged before reaching the threshold';
  return (
    `suspected brigade (${evidence.signals.map((signal) => SIGNAL_TEXT[signal]).join('; ')}): ${evidence.reportsInWindow} reports within ${minutes} min, ` +
    `${evidence.lowTrustScore} of their score ${evidence.scoreInWindow} from low-trust reporters (anonymous, new or demoted accounts); ${held}; a moderator should review`
  );
}

/**
 * Flags the image and appends a `suspected_brigade` audit event (status unchanged) the first time the guard
 * fires, and once more the first time it holds back a block the threshold would have made; other
 * evaluations of the same burst write nothing. Call inside the evaluation's transaction (image row locked).
 * @returns true when this call wrote an event
 */
export async function recordSuspectedBrigade(
  db: Queryable,
  flag: { imageId: string; status: ImageStatus; evidence: BrigadeEvidence },
): Promise<boolean> {
  if (!(await flagSuspectedBrigade(db, { id: flag.imageId, heldBack: flag.evidence.heldBack }))) return false;
  await appendEvent(db, {
    imageId: flag.imageId,
    actorId: null,
    action: 'suspected_brigade',
    fromStatus: flag.status,
    toStatus: flag.status,
    reason: explain(flag.evidence),
    details: { ...flag.evidence },
  });
  return true;
}
