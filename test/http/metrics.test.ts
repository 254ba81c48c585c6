import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openRedis } from '../../src/deps.js';
import { closeQueues, createQueues } from '../../src/queues/queues.js';
import { createWebhookQueue } from '../../src/queues/webhook-queue.js';
import { createMetrics, metricsApp } from '../../src/http/metrics.routes.js';
import type { Pool } from '../../src/db/pool.js';
import { deployMetricNames } from '../helpers/deploy-files.js';
import { decideAs, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { outboxDoneFor } from '../helpers/records.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { METRICS_REFRESH_MS: '100' } });
});
afterAll(() => service.close());

describe('GET /metrics', () => {
  it('when scraped after an upload, then images per status, queue depth and request durations by route are exposed', async () => {
    const id = await service.uploadProcessed('real/concert.jpg');
    await outboxDoneFor(service, id);
    // The PostgreSQL gauges are refreshed in the background (METRICS_REFRESH_MS, 100 ms here), not per scrape.
    const text = await waitFor(async () => {
      const scrape = await (await service.request('/metrics')).text();
      // BullMQ marks the process-image job completed just after its transaction made the image visible.
      const completed = /^imgmod_queue_jobs\{queue="process-image",state="completed"\} 1$/m.test(scrape);
      return /^imgmod_images\{status="visible"\} 1$/m.test(scrape) && /^imgmod_outbox_pending 0$/m.test(scrape) && completed && scrape;
    });
    const response = await service.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(text).toMatch(/^imgmod_outbox_pending 0$/m);
    expect(text).toMatch(/^imgmod_db_pool_clients\{state="waiting"\} \d+$/m);
    expect(text).toMatch(/^imgmod_queue_jobs\{queue="process-image",state="completed"\} 1$/m);
    // The webhook deliveries' queue is watched like the image jobs', with its worker.
    expect(text).toMatch(/^imgmod_queue_jobs\{queue="deliver-webhook",state="waiting"\} 0$/m);
    expect(text).toMatch(/^imgmod_queue_workers\{queue="deliver-webhook"\} [1-9]/m);
    expect(text).toMatch(/^imgmod_http_request_duration_seconds_count\{method="POST",route="\/v1\/images",status="201"\} 1$/m);
    expect(text).toMatch(/^imgmod_process_resident_memory_bytes \d+/m);
  });

  it('when a job is added, then the very next scrape counts it: the queue gauges are read before they are written out', async () => {
    const metrics = createMetrics(service.deps);
    const queue = service.deps.queues['purge-image'];
    try {
      const count = async () => (await queue.getJobCounts('delayed')).delayed;
      const scraped = (text: string) => Number(/^imgmod_queue_jobs\{queue="purge-image",state="delayed"\} (\d+)$/m.exec(text)?.[1]);
      // The first scrape of a new process has the queue gauges already.
      const first = await metrics.registry.metrics();
      expect(scraped(first)).toBe(await count());
      expect(first).toMatch(/^imgmod_queue_workers\{queue="purge-image"\} [1-9]/m);
      const job = await queue.add('purge-image', { imageId: '00000000-0000-4000-8000-000000000001' }, { delay: 3_600_000 });
      try {
        expect(scraped(await metrics.registry.metrics())).toBe(await count());
        expect(scraped(await metrics.registry.metrics())).toBeGreaterThanOrEqual(1);
      } finally {
        await job.remove();
      }
    } finally {
      metrics.stop();
    }
  });

  it('when Redis is unreachable, then the scrape still answers with the PostgreSQL gauges and without queue depths', async () => {
    const deadRedis = openRedis('redis://127.0.0.1:1');
    deadRedis.on('error', () => undefined);
    const deadQueues = createQueues(deadRedis, service.deps.config.QUEUE_PREFIX, () => undefined);
    const deadWebhookQueue = createWebhookQueue(deadRedis, service.deps.config.QUEUE_PREFIX, () => undefined);
    const server = buildApp({ ...service.deps, queues: deadQueues, webhookQueue: deadWebhookQueue }).listen(0, '127.0.0.1');
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
      await deadWebhookQueue.close().catch(() => undefined);
    }
  });
});

/** Mounts an app over `deps` on port 0; returns its base URL and a close function. */
async function mount(app: ReturnType<typeof buildApp>): Promise<{ url: string; close: () => void }> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => server.close() };
}

describe('metrics for operators (issue 15)', () => {
  it('when scraped five times, then no SQL query runs: the PostgreSQL gauges come from the background refresh', async () => {
    let queries = 0;
    const counting = new Proxy(service.deps.pool, {
      get(target, property, receiver) {
        if (property === 'query') return (...args: Parameters<Pool['query']>) => (queries++, target.query(...args));
        return Reflect.get(target, property, receiver) as unknown;
      },
    });
    const deps = { ...service.deps, pool: counting, config: { ...service.deps.config, METRICS_REFRESH_MS: 3_600_000 } };
    const metrics = createMetrics(deps);
    await metrics.refresh();
    const app = await mount(buildApp(deps, { metrics }));
    try {
      queries = 0;
      for (let i = 0; i < 5; i++) expect((await fetch(`${app.url}/metrics`)).status).toBe(200);
      expect(queries).toBe(0);
      await metrics.refresh();
      expect(queries).toBe(4);
    } finally {
      metrics.stop();
      app.close();
    }
  });

  it('when METRICS_TOKEN is set, then /metrics needs it as a bearer token (401 otherwise)', async () => {
    const token = 'metrics-token-0123456789';
    const app = await mount(buildApp({ ...service.deps, config: { ...service.deps.config, METRICS_TOKEN: token } }));
    try {
      const anonymous = await fetch(`${app.url}/metrics`);
      expect(anonymous.status).toBe(401);
      expect(await anonymous.json()).toMatchObject({ error: { code: 'unauthorized' } });
      expect((await fetch(`${app.url}/metrics`, { headers: { authorization: 'Bearer wrong-token-0123456789' } })).status).toBe(401);
      expect((await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    } finally {
      app.close();
    }
  });

  it('when METRICS_PORT is set, then /metrics is served on that listener only, which also answers /healthz', async () => {
    const deps = { ...service.deps, config: { ...service.deps.config, METRICS_PORT: 9 } };
    const metrics = createMetrics(deps);
    const api = await mount(buildApp(deps, { metrics }));
    const side = await mount(metricsApp(metrics, deps.config));
    try {
      expect((await fetch(`${api.url}/metrics`)).status).toBe(404);
      expect((await fetch(`${side.url}/metrics`)).status).toBe(200);
      expect((await fetch(`${side.url}/healthz`)).status).toBe(200);
      expect((await fetch(`${side.url}/v1/moderation/queue`)).status).toBe(404);
    } finally {
      metrics.stop();
      api.close();
      side.close();
    }
  });

  it('when reports, an auto-block, a decision and jobs happen, then their counters, histograms and every metric the dashboard and alerts name are in a live scrape', async () => {
    const id = await service.uploadDistinct('uploader-metrics');
    const report = (reader: string, role: 'reader' | 'moderator', reason: string) =>
      service.request(`/v1/images/${id}/reports`, {
        method: 'POST',
        as: reader,
        role,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ reason }),
      });
    expect((await report('reader-metrics', 'reader', 'spam')).status).toBe(202);
    expect((await report('reader-metrics', 'reader', 'spam')).status).toBe(200);
    expect((await report('reader-metrics', 'reader', 'boring')).status).toBe(400);
    expect((await report('mod-metrics', 'moderator', 'violence')).status).toBe(202);
    await waitFor(async () => (await service.status(id)) === 'auto_blocked');
    expect((await decideAs(service, id, 'uphold')).status).toBe(200);
    const text = await waitFor(async () => {
      const scrape = await (await service.request('/metrics')).text();
      return (
        /^imgmod_report_to_block_seconds_count 1$/m.test(scrape) &&
        /^imgmod_queue_workers\{queue="process-image"\} [1-9]/m.test(scrape) &&
        scrape
      );
    });
    expect(text).toMatch(/^imgmod_reports_received_total\{reason="spam",outcome="new"\} 1$/m);
    expect(text).toMatch(/^imgmod_reports_received_total\{reason="spam",outcome="duplicate"\} 1$/m);
    expect(text).toMatch(/^imgmod_reports_received_total\{reason="invalid",outcome="refused"\} 1$/m);
    expect(text).toMatch(/^imgmod_auto_blocks_total\{rule="moderator_report"\} 1$/m);
    expect(text).toMatch(/^imgmod_decisions_total\{action="uphold"\} 1$/m);
    expect(text).toMatch(/^imgmod_job_duration_seconds_count\{queue="process-image"\} [1-9]/m);
    expect(text).toMatch(/^imgmod_evaluation_batch_size_bucket\{le="1"\} [1-9]/m);
    expect(text).toMatch(/^imgmod_report_batch_size_bucket\{le="1"\} [1-9]/m);
    expect(text).toMatch(/^imgmod_outbox_oldest_pending_age_seconds \d/m);
    expect(text).toMatch(/^# TYPE imgmod_brigade_holds_total counter$/m);
    expect(text).toMatch(/^# TYPE imgmod_job_failures_total counter$/m);
    const missing = deployMetricNames().filter((name) => {
      const base = name.replace(/_(bucket|sum|count)$/, '');
      return !new RegExp(`^# TYPE (${name} |${base} histogram)`, 'm').test(text);
    });
    expect(missing).toEqual([]);
  });
});
