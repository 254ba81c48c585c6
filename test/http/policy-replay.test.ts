/**
 * The policy replay over real reports: replaying the current settings reproduces the recorded auto-blocks exactly;
 * proposed settings show what would change, through the API and the CLI.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  anonymousReader,
  type JwksSite,
  NEWS_ORIGIN,
  NEWS_UPLOADER,
  newsToken,
  reportAs,
  signedSitesEnv,
  startJwksSite,
} from '../helpers/readers.js';
import { decideAs, reportInTurn, startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
let jwks: JwksSite;
const images: Record<string, string> = {};
let counter = 0;
const network = () => `10.9.${++counter}.7`;
const aged = (sub: string, n: number) => newsToken({ sub, accountCreatedAt: new Date(Date.now() - (300 + n * 41) * 86_400_000) });

const send = (report: () => Promise<Response>) => reportInTurn(service, [report]);
const decide = (imageId: string, action: string) => decideAs(service, imageId, action);

function replay(body: Record<string, unknown>): Promise<Response> {
  return service.request('/v1/moderation/policy/replay', {
    method: 'POST',
    as: 'mod',
    role: 'moderator',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

interface Summary {
  images: number;
  before: {
    autoBlocked: number;
    laterRestored: number;
    laterUpheld: number;
    missedUpheld: number;
    reportsToBlock: { median: number } | null;
  };
  after: Summary['before'];
  newlyBlocked: string[];
  noLongerBlocked: string[];
}

beforeAll(async () => {
  jwks = await startJwksSite();
  service = await startTestService({
    env: { TRUST_PROXY: 'loopback', SIGNED_READER_SITES: signedSitesEnv(jwks.url), RATE_LIMIT_READER: 'none', RATE_LIMIT_NETWORK: 'none' },
  });
  // Three ordinary readers: auto-blocked, then upheld.
  images.three = await service.uploadDistinct(NEWS_UPLOADER);
  for (const n of [0, 1, 2])
    await send(async () => reportAs(service, images.three!, { token: await aged(`three-${n}`, n), ip: network() }));
  // Four ordinary readers: auto-blocked at the third, then restored (a false block).
  images.four = await service.uploadDistinct(NEWS_UPLOADER);
  for (const n of [0, 1, 2, 3])
    await send(async () => reportAs(service, images.four!, { token: await aged(`four-${n}`, n), ip: network() }));
  // Two ordinary readers and two anonymous ones: auto-blocked with low-trust help.
  images.mixed = await service.uploadDistinct(NEWS_UPLOADER);
  for (const n of [0, 1]) await send(async () => reportAs(service, images.mixed!, { token: await aged(`mixed-${n}`, n), ip: network() }));
  for (let n = 0; n < 2; n++)
    await send(async () => reportAs(service, images.mixed!, await anonymousReader(service, network(), NEWS_ORIGIN)));
  // Six anonymous readers: held back, then upheld by a moderator (missed by the auto-block).
  images.held = await service.uploadDistinct();
  for (let n = 0; n < 6; n++) await send(async () => reportAs(service, images.held!, await anonymousReader(service, network())));
  // Two readers: nothing.
  images.two = await service.uploadDistinct(NEWS_UPLOADER);
  for (const n of [0, 1]) await send(async () => reportAs(service, images.two!, { token: await aged(`two-${n}`, n), ip: network() }));
  expect((await decide(images.three, 'uphold')).status).toBe(200);
  expect((await decide(images.four, 'restore')).status).toBe(200);
  expect((await decide(images.held, 'uphold')).status).toBe(200);
});
afterAll(async () => {
  await service?.close();
  await jwks?.close();
});

describe('policy replay', () => {
  it('when the current settings are replayed, then exactly the recorded auto-blocks come out', async () => {
    const response = await replay({ since: '1h', images: true });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { summary: Summary; images: { imageId: string; recorded: unknown; replayed: unknown }[] };
    expect(body.summary.images).toBe(5);
    expect(body.summary.newlyBlocked).toEqual([]);
    expect(body.summary.noLongerBlocked).toEqual([]);
    // Times differ by the evaluation's few milliseconds (the recorded block follows its report); counts do not.
    const { msToBlock: recordedMs, ...recorded } = body.summary.before as Summary['before'] & { msToBlock: { median: number } };
    const { msToBlock: replayedMs, ...replayed } = body.summary.after as Summary['before'] & { msToBlock: { median: number } };
    expect(recorded).toEqual(replayed);
    expect(recordedMs.median).toBeGreaterThanOrEqual(replayedMs.median);
    expect(body.summary.before).toMatchObject({
      autoBlocked: 3,
      laterRestored: 1,
      laterUpheld: 1,
      missedUpheld: 1,
      reportsToBlock: { median: 3 },
    });
    const blocked = (list: typeof body.images, key: 'recorded' | 'replayed') =>
      list
        .filter((image) => image[key] !== null)
        .map((image) => image.imageId)
        .sort();
    expect(blocked(body.images, 'replayed')).toEqual([images.three, images.four, images.mixed].sort());
    expect(blocked(body.images, 'recorded')).toEqual(blocked(body.images, 'replayed'));
  });

  it('when a higher threshold is proposed, then the replay shows which blocks it would have prevented', async () => {
    const body = (await (await replay({ since: '1h', settings: { AUTO_BLOCK_THRESHOLD: 4 } })).json()) as { summary: Summary };
    expect(body.summary.noLongerBlocked.sort()).toEqual([images.three, images.mixed].sort());
    expect(body.summary.after).toMatchObject({
      autoBlocked: 1,
      laterRestored: 1,
      laterUpheld: 0,
      missedUpheld: 2,
      reportsToBlock: { median: 4 },
    });
  });

  it('when a setting is not a policy setting or a value is invalid, then 400 and nothing runs', async () => {
    for (const body of [
      { settings: { JWT_SECRET: 'x' } },
      { settings: { AUTO_BLOCK_THRESHOLD: '-1' } },
      { since: 'yesterday' },
      { since: '400d' },
    ]) {
      const response = await replay(body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('bad_request');
    }
  });

  it('when a reader asks for a replay, then 403', async () => {
    const response = await service.request('/v1/moderation/policy/replay', {
      method: 'POST',
      as: 'alice',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(response.status).toBe(403);
  });

  it('when the operator runs npm run policy:replay, then it prints the same comparison', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', 'scripts/policy-replay.ts', '--since', '1h', '--set', 'AUTO_BLOCK_THRESHOLD=4'],
      {
        env: { ...process.env, DATABASE_URL: service.deps.config.DATABASE_URL, JWT_SECRET: service.deps.config.JWT_SECRET },
      },
    );
    expect(stdout).toContain('5 images replayed');
    expect(stdout).toMatch(/\| auto-blocked \| 3 \| 1 \|/);
    expect(stdout).toContain('no longer auto-blocked: 2');
  });
});
