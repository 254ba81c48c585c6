import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService();
});
afterAll(() => service.close());

describe('GET /metrics', () => {
  it('when scraped after an upload, then images per status, queue depth and request durations by route are exposed', async () => {
    await service.uploadProcessed('real/concert.jpg');
    const response = await service.request('/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^imgmod_images\{status="visible"\} 1$/m);
    expect(text).toMatch(/^imgmod_outbox_pending 0$/m);
    expect(text).toMatch(/^imgmod_queue_jobs\{queue="thumbnail",state="completed"\} 1$/m);
    expect(text).toMatch(/^imgmod_http_request_duration_seconds_count\{method="POST",route="\/v1\/images",status="201"\} 1$/m);
    expect(text).toMatch(/^imgmod_process_resident_memory_bytes \d+/m);
  });
});
