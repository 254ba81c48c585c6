/** Waking the outbox relay: one NOTIFY after commit, coalesced, received by a real LISTEN. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OUTBOX_CHANNEL, wakeOutboxRelay } from '../../src/db/outbox.repository.js';
import type { Queryable } from '../../src/db/pool.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
let listener: pg.Client;
let received = 0;
beforeAll(async () => {
  service = await startTestService({ workers: false });
  listener = new pg.Client({ connectionString: service.deps.config.DATABASE_URL });
  await listener.connect();
  listener.on('notification', () => received++);
  await listener.query(`LISTEN ${OUTBOX_CHANNEL}`);
});
afterAll(async () => {
  await listener.end();
  await service.close();
});

describe('wakeOutboxRelay', () => {
  it('when fifty commits ask to wake the relay at once, then a LISTEN hears it and at most two NOTIFYs are sent', async () => {
    let notifies = 0;
    const pool: Queryable = {
      query: ((text: string, values?: unknown[]) => {
        if (text.includes('pg_notify')) notifies++;
        return service.deps.pool.query(text, values);
      }) as Queryable['query'],
    };
    received = 0;
    for (let i = 0; i < 50; i++) wakeOutboxRelay(pool);
    await waitFor(() => Promise.resolve(received >= 1 && notifies >= 1));
    // The first call sends; the 49 made while it was in flight coalesce into one more.
    await waitFor(() => Promise.resolve(notifies === 2));
    expect(notifies).toBe(2);
  });

  it('when a reader reports, then the relay is woken once the report and its outbox row committed', async () => {
    // No workers in this file: the image stays processing (still reportable) and the report's outbox row stays open.
    const upload = ((await (await service.upload('real/concert.jpg')).json()) as { id: string }).id;
    received = 0;
    expect((await service.report(upload, `wake-reader-${Date.now()}`)).status).toBe(202);
    await waitFor(() => Promise.resolve(received >= 1));
    const rows = await service.deps.pool.query<{ topic: string }>(
      `SELECT topic FROM outbox WHERE image_id = $1 AND topic = 'evaluate-image' AND done_at IS NULL`,
      [upload],
    );
    expect(rows.rowCount).toBe(1);
  });
});
