import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

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
      const completed = lines.map((line) => JSON.parse(line) as { msg: string; req?: Record<string, unknown> }).find((entry) => entry.msg === 'request completed')!;
      expect(completed.req).toMatchObject({
        remoteAddress: '[redacted]',
        headers: expect.objectContaining({ authorization: '[redacted]', cookie: '[redacted]' }) as unknown,
      });
    } finally {
      server.close();
    }
  });
});
