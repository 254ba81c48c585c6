import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openRedis } from '../../src/deps.js';
import { closeQueues, createQueues } from '../../src/queues/queues.js';
import { startTestService, type TestService } from '../helpers/test-service.js';
import { outboxDoneFor } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('GET /metrics', () => {
  it('when scraped after an upload, then images per status, queue depth and request durations by route are exposed', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    await outboxDoneFor(service, id);
    const response = await service.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^imgmod_images\{status="visible"\} 1$/m);
    expect(text).toMatch(/^imgmod_outbox_pending 0$/m);
    expect(text).toMatch(/^imgmod_db_pool_clients\{state="waiting"\} \d+$/m);
    expect(text).toMatch(/^imgmod_queue_jobs\{queue="process-image",state="completed"\} 1$/m);
    expect(text).toMatch(/^imgmod_http_request_duration_seconds_count\{method="POST",route="\/v1\/images",status="201"\} 1$/m);
    expect(text).toMatch(/^imgmod_process_resident_memory_bytes \d+/m);
  });

  it('when Redis is unreachable, then the scrape still answers with the PostgreSQL gauges and without queue depths', async () => {
    const deadRedis = openRedis('redis://127.0.0.1:1');
    deadRedis.on('error', () => undefined);
    const deadQueues = createQueues(deadRedis, service.deps.config.QUEUE_PREFIX, () => undefined);
    const server = buildApp({ ...service.deps, queues: deadQueues }).listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).toMatch(/^imgmod_outbox_pending \d+$/m);
      expect(text).not.toMatch(/^imgmod_queue_jobs\{/m);
    } finally {
      server.close();
      deadRedis.disconnect();
      await closeQueues(deadQueues).catch(() => undefined);
    }
  });
});
