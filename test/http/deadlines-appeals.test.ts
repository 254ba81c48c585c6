/** Review deadlines (overdue auto-blocks) and uploader appeals, live over HTTP. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateImage } from '../../src/evaluation/evaluate-image.js';
import { sweepOverdueReviews } from '../../src/moderation/review-deadlines.js';
import { evaluationsSettled, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { ageStatus } from '../helpers/records.js';

let service: TestService;
let restoring: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { METRICS_REFRESH_MS: '100' } });
  restoring = await startTestService({ env: { OVERDUE_ACTION: 'restore' } });
});
afterAll(async () => {
  await service?.close();
  await restoring?.close();
});

/** An upload by `uploader` that three first-party readers auto-block. */
async function autoBlocked(on: TestService, uploader = 'uploader'): Promise<string> {
  const id = await on.uploadDistinct(uploader);
  for (const reader of ['a', 'b', 'c'])
    expect((await on.report(id, `witness-${reader}-${id}`, { reason: reader === 'a' ? 'spam' : 'hate' })).status).toBe(202);
  await waitFor(async () => (await on.status(id)) === 'auto_blocked');
  // The later reports' evaluations hold the image's row lock while they run; a sweep meanwhile skips it.
  await evaluationsSettled(on);
  return id;
}

/** The deadline passes for this image: its auto-block is moved 25 hours into the past. */
async function age(on: TestService, id: string): Promise<void> {
  await ageStatus(on, id, 25);
}

async function queue(on: TestService, state: string): Promise<{ id: string; overdue: boolean }[]> {
  const response = await on.request(`/v1/moderation/queue?state=${state}`, { as: 'mod', role: 'moderator' });
  return ((await response.json()) as { items: { id: string; overdue: boolean }[] }).items;
}

async function actions(on: TestService, id: string): Promise<string[]> {
  const response = await on.request(`/v1/moderation/audit?image=${id}`, { as: 'mod', role: 'moderator' });
  return ((await response.json()) as { items: { action: string }[] }).items.map((item) => item.action);
}

describe('review deadlines', () => {
  it('when an auto-block goes unreviewed past REVIEW_DEADLINE, then it is overdue once: queue, metric and one audit event', async () => {
    const late = await autoBlocked(service);
    const fresh = await autoBlocked(service);
    await age(service, late);
    expect(await sweepOverdueReviews(service.deps)).toBeGreaterThanOrEqual(1);
    expect(await sweepOverdueReviews(service.deps)).toBe(0);
    const overdue = (await queue(service, 'overdue')).map((item) => item.id);
    expect(overdue).toContain(late);
    expect(overdue).not.toContain(fresh);
    const all = await queue(service, 'auto_blocked');
    expect(all.find((item) => item.id === late)?.overdue).toBe(true);
    expect(all.find((item) => item.id === fresh)?.overdue).toBe(false);
    expect((await actions(service, late)).filter((action) => action === 'review_overdue')).toHaveLength(1);
    expect(await service.status(late)).toBe('auto_blocked');
    // The gauge is refreshed in the background (METRICS_REFRESH_MS, 100 ms here), not per scrape.
    await waitFor(async () => /^imgmod_reviews_overdue 1$/m.test(await (await fetch(`${service.baseUrl}/metrics`)).text()));
  });

  it('when the operator chose OVERDUE_ACTION=restore, then an overdue auto-block is served again with a note', async () => {
    const id = await autoBlocked(restoring);
    await age(restoring, id);
    await sweepOverdueReviews(restoring.deps);
    expect(await restoring.status(id)).toBe('visible');
    expect((await actions(restoring, id)).slice(0, 2)).toEqual(['overdue_restore', 'review_overdue']);
    // Evaluated again (as any later report or outbox resend would), the same reports do not block it again.
    expect((await evaluateImage(restoring.deps, id)).blocked).toBe(false);
    expect(await restoring.status(id)).toBe('visible');
    expect((await fetch(`${restoring.baseUrl}/i/${id}`)).status).toBe(200);
  });
});

describe('uploader appeals', () => {
  it('when an uploader appeals an auto-block, then it joins the appeals queue, the decision answers it, and the uploader reads the outcome', async () => {
    const id = await autoBlocked(service, 'photographer');
    const view = await service.request(`/v1/images/${id}/moderation`, { as: 'photographer' });
    expect(view.status).toBe(200);
    const body = (await view.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      status: 'auto_blocked',
      hiddenBy: 'reports',
      reasons: { spam: 1, hate: 2 },
      reports: 3,
      appeal: null,
      mayAppeal: true,
    });
    expect(JSON.stringify(body)).not.toContain('witness'); // never who reported

    const appeal = await service.request(`/v1/images/${id}/appeal`, {
      method: 'POST',
      as: 'photographer',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'This is a photo of a public protest, not hate.' }),
    });
    expect(appeal.status).toBe(201);
    expect((await queue(service, 'appealed')).map((item) => item.id)).toContain(id);
    const again = await service.request(`/v1/images/${id}/appeal`, {
      method: 'POST',
      as: 'photographer',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'please' }),
    });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { error: { code: string } }).error.code).toBe('appeal_exists');

    const decision = await service.request(`/v1/moderation/images/${id}/decision`, {
      method: 'POST',
      as: 'mod-lea',
      role: 'moderator',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'restore', note: 'Newsworthy: restored.' }),
    });
    expect(decision.status).toBe(200);
    expect((await queue(service, 'appealed')).map((item) => item.id)).not.toContain(id);
    const answered = (await (await service.request(`/v1/images/${id}/moderation`, { as: 'photographer' })).json()) as Record<
      string,
      unknown
    >;
    expect(answered).toMatchObject({
      status: 'visible',
      hiddenBy: null,
      appeal: { outcome: 'granted', response: 'Newsworthy: restored.' },
      mayAppeal: false,
    });
  });

  it('when someone else asks about or appeals an image, then 404 as if it did not exist; a visible image cannot be appealed', async () => {
    const id = await autoBlocked(service, 'owner');
    expect((await service.request(`/v1/images/${id}/moderation`, { as: 'stranger' })).status).toBe(404);
    const foreign = await service.request(`/v1/images/${id}/appeal`, {
      method: 'POST',
      as: 'stranger',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'mine' }),
    });
    expect(foreign.status).toBe(404);
    const visible = await service.uploadDistinct('owner');
    const early = await service.request(`/v1/images/${visible}/appeal`, {
      method: 'POST',
      as: 'owner',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'pre-emptive' }),
    });
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { code: string } }).error.code).toBe('not_appealable');
    const empty = await service.request(`/v1/images/${id}/appeal`, {
      method: 'POST',
      as: 'owner',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: '   ' }),
    });
    expect(empty.status).toBe(400);
  });

  it('when the moderator upholds an appealed block, then the appeal is rejected with the note', async () => {
    const id = await autoBlocked(service, 'reporter-of-war');
    await service.request(`/v1/images/${id}/appeal`, {
      method: 'POST',
      as: 'reporter-of-war',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'context matters' }),
    });
    await service.request(`/v1/moderation/images/${id}/decision`, {
      method: 'POST',
      as: 'mod-lea',
      role: 'moderator',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'uphold', note: 'Graphic violence.' }),
    });
    const view = (await (await service.request(`/v1/images/${id}/moderation`, { as: 'reporter-of-war' })).json()) as Record<
      string,
      unknown
    >;
    expect(view).toMatchObject({
      status: 'blocked',
      hiddenBy: 'moderator',
      appeal: { outcome: 'rejected', response: 'Graphic violence.' },
      mayAppeal: false,
    });
  });
});
