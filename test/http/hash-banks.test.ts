/**
 * Hash banks through HTTP and the worker against the real PostgreSQL and Redis: creating banks, importing
 * and exporting `pdq_hex[,quality]` files, and what each action does to a matching upload.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pdqToHex } from '../../src/domain/pdq.js';
import { computePdq } from '../../src/media/pdq.js';
import { deadlineIn } from '../../src/media/sharp-settings.js';
import { syntheticPhoto } from '../helpers/photos.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { auditEvents, bankEntryKinds, reportsOf } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

const moderator = { as: 'mod-banks', role: 'moderator' as const };
const pdqHexOf = async (bytes: Buffer) =>
  pdqToHex((await computePdq(bytes, { maxInputPixels: 40_000_000, deadline: deadlineIn(30_000) })).hash);
const mirrored = (bytes: Buffer) => sharp(bytes).flop().jpeg({ quality: 85 }).toBuffer();

function putBank(name: string, body: unknown, as = moderator) {
  return service.request(`/v1/moderation/hash-banks/${name}`, {
    method: 'PUT',
    ...as,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}
function importFile(name: string, text: string) {
  return service.request(`/v1/moderation/hash-banks/${name}/entries?note=partner-list.txt`, {
    method: 'POST',
    ...moderator,
    headers: { 'content-type': 'text/plain' },
    body: text,
  });
}
const events = (id: string) => auditEvents(service, id);
async function banks(): Promise<{ name: string; action: string; maxDistance: number; entries: number }[]> {
  return ((await (await service.request('/v1/moderation/hash-banks', moderator)).json()) as { banks: [] }).banks;
}

describe('hash banks API', () => {
  it('when a reader or nobody asks, then 403 or 401; a moderator sees the moderators bank', async () => {
    expect((await service.request('/v1/moderation/hash-banks')).status).toBe(401);
    expect((await service.request('/v1/moderation/hash-banks', { as: 'reader-1' })).status).toBe(403);
    expect(await banks()).toContainEqual(expect.objectContaining({ name: 'moderators', action: 'auto_block', maxDistance: 15 }));
  });

  it('when a bank is created with a bad distance or the moderators bank is given another action, then 400 or 409', async () => {
    expect((await putBank('partner-a', { action: 'auto_block', maxDistance: 16 })).status).toBe(400);
    expect((await putBank('Bad Name', { action: 'auto_block', maxDistance: 10 })).status).toBe(400);
    const managed = await putBank('moderators', { action: 'review', maxDistance: 15 });
    expect(managed.status).toBe(409);
    expect(((await managed.json()) as { error: { code: string } }).error.code).toBe('bank_managed');
    expect((await putBank('partner-a', { action: 'auto_block', maxDistance: 12, description: 'shared list' })).status).toBe(200);
  });

  it('when a file with a bad line is imported, then 400 invalid_bank_file names the line and nothing is imported', async () => {
    await putBank('partner-b', { action: 'auto_block', maxDistance: 12 });
    const response = await importFile('partner-b', `${'a'.repeat(64)},90\nnot-a-hash\n`);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('invalid_bank_file');
    expect(body.error.message).toContain('line 2');
    expect((await banks()).find((b) => b.name === 'partner-b')?.entries).toBe(0);
    expect((await importFile('moderators', `${'a'.repeat(64)}\n`)).status).toBe(409);
    expect((await importFile('no-such-bank', `${'a'.repeat(64)}\n`)).status).toBe(404);
  });

  it('when a partner list holds a photo, then its mirrored re-upload is auto-blocked naming the bank and entry; export gives the list back', async () => {
    await putBank('partner-c', { action: 'auto_block', maxDistance: 15 });
    const photo = await syntheticPhoto(9001);
    const hex = await pdqHexOf(photo);
    const file = `# shared by a partner\n${hex.toUpperCase()},100\n\n${'0f'.repeat(32)}\n`;
    expect(await (await importFile('partner-c', file)).json()).toEqual({ bank: 'partner-c', read: 2, imported: 2, alreadyInBank: 0 });
    expect(await (await importFile('partner-c', file)).json()).toEqual({ bank: 'partner-c', read: 2, imported: 0, alreadyInBank: 2 });

    const copy = await service.uploadProcessed(await mirrored(photo));
    expect(await service.status(copy)).toBe('auto_blocked');
    const [event] = await events(copy);
    expect(event).toMatchObject({
      action: 'near_duplicate_block',
      details: { rule: 'auto_block', bank: 'partner-c', matchedImageId: null, queryKind: 'flipY' },
    });
    expect(event!.details.bankEntryId).toEqual(expect.any(String));
    expect(event!.details.distance).toBeLessThanOrEqual(15);

    const exported = await service.request('/v1/moderation/hash-banks/partner-c/entries', moderator);
    expect(exported.headers.get('content-type')).toContain('text/plain');
    expect((await exported.text()).split('\n').filter(Boolean).sort()).toEqual([`${'0f'.repeat(32)}`, `${hex},100`].sort());
  });

  it('when an allow bank holds a stock photo that moderators blocked, then its re-upload is published (the allow bank wins)', async () => {
    const photo = await syntheticPhoto(9002);
    const blocked = await service.uploadProcessed(photo);
    const uphold = await service.request(`/v1/moderation/images/${blocked}/decision`, {
      method: 'POST',
      ...moderator,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ action: 'uphold' }),
    });
    expect(uphold.status).toBe(200);
    expect(await service.status(await service.uploadProcessed(await mirrored(photo)))).toBe('auto_blocked');

    await putBank('stock', { action: 'allow', maxDistance: 15, description: 'our own stock photos' });
    expect((await importFile('stock', `${await pdqHexOf(photo)}\n`)).status).toBe(200);
    const copy = await service.uploadProcessed(await mirrored(photo));
    expect(await service.status(copy)).toBe('visible');
    const [event] = await events(copy);
    expect(event).toMatchObject({ action: 'processed', details: { rule: 'allow' } });
    const matched = (event!.details.matches as { bank: string }[]).map((m) => m.bank).sort();
    expect(matched).toEqual(['moderators', 'stock']);
  });

  it('when a review bank matches, then the upload is published and waits in the reported queue with a zero-weight report from the bank', async () => {
    await putBank('watch', { action: 'review', maxDistance: 15 });
    const photo = await syntheticPhoto(9003);
    expect((await importFile('watch', `${await pdqHexOf(photo)},100\n`)).status).toBe(200);
    const copy = await service.uploadProcessed(photo);
    expect(await service.status(copy)).toBe('visible');
    const reports = await reportsOf(service, copy);
    expect(reports.map(({ reporterId, weight, status }) => ({ reporterId, weight, status }))).toEqual([
      { reporterId: 'hash-bank:watch', weight: 0, status: 'open' },
    ]);
    await waitFor(async () => {
      const queue = (await (await service.request('/v1/moderation/queue?state=reported&sort=newest', moderator)).json()) as {
        items: { id: string }[];
      };
      return queue.items.some((item) => item.id === copy);
    });
  });

  it('when a moderator upholds a photo, then the moderators bank holds it and its crops; a restore empties it again', async () => {
    const id = await service.uploadProcessed(await syntheticPhoto(9004));
    const decide = (action: string) =>
      service.request(`/v1/moderation/images/${id}/decision`, {
        method: 'POST',
        ...moderator,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ action }),
      });
    const entries = () => bankEntryKinds(service, id);
    expect((await decide('uphold')).status).toBe(200);
    expect(await entries()).toContain('original');
    expect((await entries()).length).toBeGreaterThan(10); // and the crop ladder (crops of quality ≥ 50)
    expect((await decide('restore')).status).toBe(200);
    expect(await entries()).toEqual([]);
  });
});

describe('hash banks CLI', () => {
  it('when a bank is created, imported into and exported with npm run hash-banks, then the file comes back', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imgmod-banks-'));
    const input = join(dir, 'in.txt');
    const output = join(dir, 'out.txt');
    await writeFile(input, `${'1'.repeat(64)},77\n${'2'.repeat(64)}\n`);
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/hash-banks.ts', ...args], {
        env: { ...process.env, DATABASE_URL: service.deps.config.DATABASE_URL },
      });
    expect((await run('create', 'cli-bank', '--action', 'review', '--max-distance', '10')).stdout).toContain(
      'cli-bank: review at ≤ 10 bits',
    );
    expect((await run('import', 'cli-bank', input)).stdout).toContain('2 hashes read, 2 imported');
    await run('export', 'cli-bank', output);
    expect((await readFile(output, 'utf8')).split('\n').filter(Boolean).sort()).toEqual([`${'1'.repeat(64)},77`, '2'.repeat(64)]);
    await expect(run('import', 'moderators', input)).rejects.toThrow(/bank_managed/);
  }, 60_000);
});
