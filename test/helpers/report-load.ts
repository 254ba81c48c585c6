/**
 * Bounded report load over loopback for the reliability tests and the fault suite: every (image, reader)
 * pair is reported until imgmod acknowledges it (202, or 200 for a duplicate), as the widget would retry
 * a 503 after its Retry-After. Counts what a client saw: acknowledgements, 5xx by code, requests that hung.
 */
import pg from 'pg';
import { signToken } from '../../src/auth/tokens.js';
import { distinctPicture } from './images.js';
import { waitFor } from './test-service.js';

export interface ReportPair {
  imageId: string;
  reader: string;
}

export interface LoadOutcome {
  /** Report requests sent, retries included. */
  sent: number;
  /** Pairs acknowledged (202 or 200 duplicate), as `imageId/reader`. */
  acknowledged: Set<string>;
  /** Pairs never acknowledged before the deadline. */
  unacknowledged: number;
  /** Responses by status code. */
  statuses: Record<string, number>;
  /** Requests with no answer within `hangMs`. */
  hung: number;
  /** Responses 500 and above other than 503 (never acceptable). */
  serverErrors: number;
  /** 503 answers without a Retry-After header (never acceptable). */
  missingRetryAfter: number;
}

export const pairKey = (pair: ReportPair) => `${pair.imageId}/${pair.reader}`;

/**
 * Reports every pair, `concurrency` at a time, each until acknowledged or `deadlineMs` passed.
 * @param options.baseUrl read before every request (an API restarted on another port)
 * @param options.hangMs a request without an answer after this long counts as hung (and is retried)
 */
export async function driveReports(options: {
  baseUrl: () => string;
  jwtSecret: string;
  pairs: ReportPair[];
  concurrency: number;
  hangMs?: number;
  deadlineMs?: number;
  onSent?: (count: number) => void;
}): Promise<LoadOutcome> {
  const hangMs = options.hangMs ?? 10_000;
  const deadline = Date.now() + (options.deadlineMs ?? 60_000);
  const outcome: LoadOutcome = {
    sent: 0,
    acknowledged: new Set(),
    unacknowledged: 0,
    statuses: {},
    hung: 0,
    serverErrors: 0,
    missingRetryAfter: 0,
  };
  const tokens = new Map<string, string>();
  const queue = [...options.pairs];

  const reportOnce = async (pair: ReportPair): Promise<'ok' | 'retry'> => {
    let token = tokens.get(pair.reader);
    if (!token) tokens.set(pair.reader, (token = await signToken(options.jwtSecret, { sub: pair.reader, role: 'reader' })));
    outcome.sent++;
    options.onSent?.(outcome.sent);
    let response: Response;
    try {
      response = await fetch(`${options.baseUrl()}/v1/images/${pair.imageId}/reports`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ reason: 'violence' }),
        signal: AbortSignal.timeout(hangMs),
      });
    } catch (error) {
      if ((error as Error).name === 'TimeoutError') outcome.hung++;
      return 'retry'; // refused or reset: the API is restarting
    }
    outcome.statuses[response.status] = (outcome.statuses[response.status] ?? 0) + 1;
    await response.arrayBuffer();
    if (response.status === 202 || response.status === 200) return 'ok';
    if (response.status === 503 && !response.headers.get('retry-after')) outcome.missingRetryAfter++;
    if (response.status >= 500 && response.status !== 503) outcome.serverErrors++;
    return 'retry';
  };

  const worker = async () => {
    for (let pair = queue.shift(); pair; pair = queue.shift()) {
      for (;;) {
        if ((await reportOnce(pair)) === 'ok') {
          outcome.acknowledged.add(pairKey(pair));
          break;
        }
        if (Date.now() > deadline) {
          outcome.unacknowledged++;
          break;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 + Math.random() * 200));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return outcome;
}

/** Uploads `count` distinct pictures through the API and waits until each is visible; returns their ids. */
export async function uploadVisible(options: {
  baseUrl: string;
  jwtSecret: string;
  databaseUrl: string;
  count: number;
  seed: number;
}): Promise<string[]> {
  const token = await signToken(options.jwtSecret, { sub: 'uploader', role: 'reader' });
  const ids: string[] = [];
  for (let i = 0; i < options.count; i++) {
    const form = new FormData();
    form.append('file', new Blob([await distinctPicture(options.seed + i)]), 'picture.jpg');
    const response = await fetch(`${options.baseUrl}/v1/images`, {
      method: 'POST',
      body: form,
      headers: { authorization: `Bearer ${token}` },
    });
    if (response.status !== 201) throw new Error(`upload answered ${response.status}: ${await response.text()}`);
    ids.push(((await response.json()) as { id: string }).id);
  }
  const db = new pg.Client({ connectionString: options.databaseUrl });
  await db.connect();
  try {
    await waitFor(async () => {
      const result = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM images WHERE id = ANY($1) AND status = 'visible'`, [
        ids,
      ]);
      return result.rows[0]!.n === ids.length;
    }, 60_000);
  } finally {
    await db.end();
  }
  return ids;
}

export interface Tally {
  /** Report rows stored for the pairs' images. */
  stored: number;
  /** Pairs stored more than once (a double count). */
  storedTwice: number;
  /** Acknowledged pairs with no stored report (a loss). */
  lost: number;
  blocked: number;
  /** auto_block audit events over the images. */
  auditEvents: number;
}

/** Counts what PostgreSQL holds for `imageIds` against what the clients were told. */
export async function tally(databaseUrl: string, imageIds: string[], acknowledged: Set<string>): Promise<Tally> {
  const db = new pg.Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const reports = await db.query<{ key: string; n: number }>(
      `SELECT image_id || '/' || reporter_id AS key, count(*)::int AS n FROM reports WHERE image_id = ANY($1) GROUP BY 1`,
      [imageIds],
    );
    const stored = new Map(reports.rows.map((row) => [row.key, row.n]));
    const blocked = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM images WHERE id = ANY($1) AND status = 'auto_blocked'`, [
      imageIds,
    ]);
    const events = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM moderation_events WHERE image_id = ANY($1) AND action = 'auto_block'`,
      [imageIds],
    );
    return {
      stored: [...stored.values()].reduce((a, b) => a + b, 0),
      storedTwice: [...stored.values()].filter((n) => n > 1).length,
      lost: [...acknowledged].filter((key) => !stored.has(key)).length,
      blocked: blocked.rows[0]!.n,
      auditEvents: events.rows[0]!.n,
    };
  } finally {
    await db.end();
  }
}
