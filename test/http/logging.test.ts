import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { LOGGED_REQUEST_HEADERS } from '../../src/http/request-log.js';
import { spawnImgmod, type ImgmodProcess } from '../helpers/imgmod-process.js';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from '../helpers/test-env.js';
import { startTestService, waitFor, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

describe('request logs', () => {
  it('when a request carries a token and a session cookie, then neither, nor the client address, is logged', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const server = buildApp({ ...service.deps, logger: pino({ level: 'info' }, sink) }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const token = await service.token('mod-logs', 'moderator');
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/moderation/session`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, cookie: `imgmod_session=${token}` },
      });
      expect(response.status).toBe(200);
      const log = lines.join('');
      expect(log).not.toContain(token);
      const completed = lines
        .map((line) => JSON.parse(line) as { msg: string; req?: Record<string, unknown> })
        .find((entry) => entry.msg === 'request completed')!;
      // Headers are allow-listed: credentials and the client address are not in the line at all.
      expect(completed.req).not.toHaveProperty('remoteAddress');
      expect(completed.req!.headers).not.toHaveProperty('authorization');
      expect(completed.req!.headers).not.toHaveProperty('cookie');
    } finally {
      server.close();
    }
  });
});

describe('serving request logs', () => {
  interface Line {
    msg: string;
    level: number;
    url?: string;
    req?: { url: string };
    res?: { statusCode: number };
  }

  /**
   * Every line an app logging at `level` writes about one GET of `path` (its request line, and any other line naming
   * its url). A GET of /v1/error-codes follows it, and its line (info) is awaited, so a line for `path` would have
   * been written.
   */
  async function linesAbout(level: 'info' | 'debug', path: string): Promise<Line[]> {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const server = buildApp({ ...service.deps, logger: pino({ level }, sink) }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
      await (await fetch(`${base}${path}`)).arrayBuffer();
      await (await fetch(`${base}/v1/error-codes`)).arrayBuffer();
      const parsed = () => lines.map((line) => JSON.parse(line) as Line);
      await waitFor(() => Promise.resolve(parsed().some((entry) => entry.req?.url === '/v1/error-codes')));
      return parsed().filter((entry) => entry.req?.url === path || entry.url === path);
    } finally {
      server.close();
    }
  }

  /** The `request completed` lines of linesAbout. */
  async function completedLines(level: 'info' | 'debug', path: string): Promise<Array<{ level: number; res: { statusCode: number } }>> {
    const lines = await linesAbout(level, path);
    return lines.filter((entry) => entry.msg === 'request completed').map((entry) => ({ level: entry.level, res: entry.res! }));
  }

  it('when an image is asked for, then the answer is logged at debug, not info (the hot path), and other routes at info', async () => {
    expect(await completedLines('info', '/i/no-such-image')).toEqual([]);
    expect(await completedLines('info', '/i/no-such-image/thumb')).toEqual([]);
    const debug = await completedLines('debug', '/i/no-such-image');
    expect(debug.map((entry) => [entry.level, entry.res.statusCode])).toEqual([[20, 404]]);
    const other = await completedLines('info', '/readyz');
    expect(other.map((entry) => entry.level)).toEqual([30]);
  });

  it('when an image still being processed is asked for, then its 503 is logged as an image answer: at debug, with no warning and no stack', async () => {
    const { id } = (await (await service.upload('real/concert.jpg')).json()) as { id: string };
    expect(await service.status(id)).toBe('processing');
    expect(await linesAbout('info', `/i/${id}`)).toEqual([]);
    const debug = await linesAbout('debug', `/i/${id}`);
    expect(debug.map((entry) => [entry.level, entry.msg, entry.res?.statusCode])).toEqual([[20, 'request completed', 503]]);
    expect(JSON.stringify(debug)).not.toContain('stack');
  });
});

describe('request logs of the running process', () => {
  it('when readers come through a proxy with forwarding headers and a referer, then no log line holds their address or the page', async () => {
    const database = `imgmod_test_${inject('runId')}_logs_${process.pid}`;
    const dataDir = await mkdtemp(join(tmpdir(), 'imgmod-logs-'));
    const imgmod = await spawnImgmod('api', {
      DATABASE_URL: `${TEST_DATABASE_SERVER}/${database}`,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `imgmod-test-${inject('runId')}-logs-${process.pid}`,
      DATA_DIR: dataDir,
      JWT_SECRET: 'logs-test-secret-0123456789abcdef',
      TRUST_PROXY: 'loopback',
    });
    try {
      const forwarded = {
        'x-forwarded-for': '203.0.113.7, 198.51.100.9',
        'x-real-ip': '203.0.113.8',
        forwarded: 'for=203.0.113.9;proto=https',
        'true-client-ip': '203.0.113.10',
        referer: 'https://news.example/articles/a-readers-private-story',
        'x-request-id': 'trace-logs-1',
      };
      const base = `http://127.0.0.1:${imgmod.port}`;
      const anonymous = await fetch(`${base}/v1/readers/anonymous`, { method: 'POST', headers: forwarded });
      const cookie = anonymous.headers.get('set-cookie')!.split(';')[0]!;
      const answers = [
        anonymous,
        await fetch(`${base}/v1/visibility?ids=00000000-0000-4000-8000-000000000001`, { headers: forwarded }),
        await fetch(`${base}/v1/images/00000000-0000-4000-8000-000000000001/reports`, {
          method: 'POST',
          headers: { ...forwarded, cookie, origin: 'https://news.example', 'content-type': 'application/json' },
          body: JSON.stringify({ reason: 'spam' }),
        }),
        await fetch(`${base}/demo`, { headers: forwarded }),
        await fetch(`${base}/no/such/page`, { headers: forwarded }),
      ];
      expect(answers.map((answer) => answer.status)).toEqual([201, 200, expect.any(Number), 200, 404]);
      await waitForLines(imgmod, answers.length);
      const output = imgmod.output();
      for (const secret of ['203.0.113.', '198.51.100.', 'a-readers-private-story', cookie.split('=')[1]!]) {
        expect(output, secret).not.toContain(secret);
      }
      const requestLines = imgmod.logs().filter((line) => line.msg === 'request completed');
      for (const line of requestLines) {
        const req = line.req as { id: string; headers: Record<string, string> };
        expect(req).not.toHaveProperty('remoteAddress');
        for (const name of Object.keys(req.headers)) expect(LOGGED_REQUEST_HEADERS).toContain(name);
        expect(req.id).toBe('trace-logs-1');
      }
    } finally {
      imgmod.child.kill('SIGKILL');
      await imgmod.exited;
      await rm(dataDir, { recursive: true, force: true });
      const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
      await admin.end();
    }
  });
});

/** Waits until the process logged `count` request lines. */
async function waitForLines(imgmod: ImgmodProcess, count: number): Promise<void> {
  await waitFor(async () => Promise.resolve(imgmod.logs().filter((line) => line.msg === 'request completed').length >= count));
}
