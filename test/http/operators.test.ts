import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addJob } from '../../src/queues/queues.js';
import { DEFAULT_CSP } from '../../src/http/security-headers.js';
import { distinctPicture } from '../helpers/images.js';
import { fixture, startTestService, waitFor, type TestService } from '../helpers/test-service.js';
import { TEST_REDIS_URL } from '../helpers/test-env.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ env: { TRUST_PROXY: 'loopback' } });
});
afterAll(() => service.close());

const MOD = { as: 'mod-ops', role: 'moderator' as const };
const ADMIN = { as: 'admin-ops', role: 'admin' as const };

describe('security headers', () => {
  it('when any route answers, then nosniff, Referrer-Policy and a framing policy are set, and no X-Powered-By', async () => {
    for (const path of ['/healthz', '/v1/nowhere', '/moderate', '/admin/queues']) {
      const response = await service.request(path);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.get('referrer-policy'), path).toBe('no-referrer');
      expect(response.headers.get('content-security-policy'), path).toMatch(/frame-ancestors 'none'/);
      expect(response.headers.get('x-powered-by'), path).toBeNull();
    }
    expect((await service.request('/healthz')).headers.get('content-security-policy')).toBe(DEFAULT_CSP);
  });

  it('when the request came over TLS (X-Forwarded-Proto from a trusted proxy), then HSTS is sent; over plain HTTP it is not', async () => {
    expect((await service.request('/healthz')).headers.get('strict-transport-security')).toBeNull();
    const overTls = await service.request('/healthz', { headers: { 'x-forwarded-proto': 'https' } });
    expect(overTls.headers.get('strict-transport-security')).toMatch(/^max-age=31536000/);
  });

  it("when any route answers, then it carries every header helmet sets with imgmod's options (read once at start)", async () => {
    for (const path of ['/healthz', '/v1/nowhere', '/widget.js']) {
      const headers = (await service.request(path)).headers;
      expect(
        {
          coop: headers.get('cross-origin-opener-policy'),
          corp: headers.get('cross-origin-resource-policy'),
          agentCluster: headers.get('origin-agent-cluster'),
          dnsPrefetch: headers.get('x-dns-prefetch-control'),
          download: headers.get('x-download-options'),
          crossDomain: headers.get('x-permitted-cross-domain-policies'),
          xss: headers.get('x-xss-protection'),
          hsts: headers.get('strict-transport-security'), // plain HTTP
        },
        path,
      ).toEqual({
        coop: 'same-origin',
        corp: 'cross-origin',
        agentCluster: '?1',
        dnsPrefetch: 'off',
        download: 'noopen',
        crossDomain: 'none',
        xss: '0',
        hsts: null,
      });
    }
  });

  it('when the job dashboard is opened, then it carries the same headers and cannot be framed', async () => {
    const response = await service.request('/admin/queues', ADMIN);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe("frame-ancestors 'none'");
    expect(response.headers.get('cache-control')).toBe('no-store');
  });

  it('when a host site embeds /i/:id, then the image stays embeddable cross-origin (no X-Frame-Options, CORP cross-origin)', async () => {
    const id = await service.uploadDistinct();
    const response = await service.request(`/i/${id}`, { headers: { origin: 'https://news.example' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(response.headers.get('x-frame-options')).toBeNull();
    expect(response.headers.get('content-security-policy')).not.toMatch(/frame-ancestors/);
    expect(response.headers.get('cache-control')).not.toBe('no-store');
    const widget = await service.request('/widget.js');
    expect(widget.status).toBe(200);
    expect(widget.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
    expect(widget.headers.get('cache-control')).toMatch(/max-age=300/);
  });
});

describe('Cache-Control on private answers', () => {
  it('when a moderator, an admin, a reader or an uploader reads private JSON, then it is no-store (errors too)', async () => {
    const id = await service.uploadDistinct('uploader-ops');
    const answers = [
      await service.request('/v1/moderation/queue', MOD),
      await service.request('/v1/moderation/audit', MOD),
      await service.request(`/v1/moderation/images/${id}`, MOD),
      await service.request('/v1/moderation/hash-banks', MOD),
      await service.request('/v1/admin/events', ADMIN),
      await service.request('/v1/me/reports', { as: 'reader-ops' }),
      await service.request(`/v1/images/${id}`, { as: 'uploader-ops' }),
      await service.request(`/v1/images/${id}/moderation`, { as: 'uploader-ops' }),
      await service.request('/v1/moderation/queue'),
      await service.request('/v1/moderation/queue?limit=0', MOD),
    ];
    for (const response of answers) {
      expect(response.headers.get('cache-control'), response.url).toMatch(/^(private, )?no-store$/);
    }
    expect(answers.slice(0, -2).map((response) => response.status)).toEqual([200, 200, 200, 200, 200, 200, 200, 200]);
  });
});

describe('request ids', () => {
  it('when X-Request-Id is short and plain, then it is echoed; when absent or unsafe, then a new UUID is', async () => {
    const given = await service.request('/healthz', { headers: { 'x-request-id': 'edge-1a2b.3c:4d_5e' } });
    expect(given.headers.get('x-request-id')).toBe('edge-1a2b.3c:4d_5e');
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    expect((await service.request('/healthz')).headers.get('x-request-id')).toMatch(uuid);
    for (const unsafe of ['x'.repeat(65), 'a b', '<script>', '../etc/passwd', '']) {
      const response = await service.request('/healthz', { headers: { 'x-request-id': unsafe } });
      expect(response.headers.get('x-request-id'), unsafe).toMatch(uuid);
    }
  });

  /** Uploads `bytes` with `X-Request-Id: requestId`; returns the new image's id. */
  async function uploadAs(requestId: string, bytes: Buffer): Promise<string> {
    const form = new FormData();
    form.append('file', new Blob([bytes]), 'picture.jpg');
    const response = await service.request('/v1/images', {
      method: 'POST',
      body: form,
      as: 'uploader-rid',
      headers: { 'x-request-id': requestId },
    });
    expect(response.status).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  it('when an upload carries X-Request-Id, then the thumbnail job it causes carries the same id', async () => {
    const id = await uploadAs('upload-req-42', await distinctPicture(90_210));
    const row = await service.deps.pool.query<{ request_id: string }>(
      `SELECT request_id FROM outbox WHERE image_id = $1 AND topic = 'process-image'`,
      [id],
    );
    expect(row.rows[0]?.request_id).toBe('upload-req-42');
    const job = await waitFor(async () => (await service.deps.queues['process-image'].getJob(`process-image-${id}`)) ?? false);
    expect(job.data).toEqual({ imageId: id, requestId: 'upload-req-42' });
  });

  it('when a job caused by a request causes another job, then that one carries the same request id', async () => {
    const id = await uploadAs('upload-req-43', await fixture('real/concert.jpg'));
    // The process-image job asks for the image's first evaluation (its hash may match a blocked picture).
    const requestIds = await waitFor(async () => {
      const rows = await service.deps.pool.query<{ request_id: string | null }>(
        `SELECT request_id FROM outbox WHERE image_id = $1 AND topic = 'evaluate-image'`,
        [id],
      );
      return rows.rowCount ? rows.rows.map((row) => row.request_id) : false;
    });
    expect(requestIds).toEqual(['upload-req-43']);
  });
});

describe('review-queue cursors', () => {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const cursor = (sort: string, key: string) =>
    encode({ state: 'auto_blocked', sort, asOf: new Date().toISOString(), key: [key, '00000000-0000-4000-8000-000000000000'] });

  it('when a forged cursor holds a key that does not fit its sort, then 400 invalid_cursor, never 500', async () => {
    const forged = [
      ['score', '2026-01-01 00:00:00+00'],
      ['oldest', '12.5'],
      ['newest', '2026-02-30 10:00:00+00'],
      ['oldest', '2026-01-01 25:00:00+00'],
      ['score', '1e999'],
    ];
    for (const [sort, key] of forged) {
      const response = await service.request(`/v1/moderation/queue?sort=${sort}&cursor=${cursor(sort!, key!)}`, MOD);
      expect(response.status, `${sort} ${key}`).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_cursor' } });
    }
    for (const [sort, key] of [
      ['score', '2.5'],
      ['oldest', '2026-01-01 00:00:00.123456+00'],
    ]) {
      expect((await service.request(`/v1/moderation/queue?sort=${sort}&cursor=${cursor(sort!, key!)}`, MOD)).status).toBe(200);
    }
  });
});

describe('REDIS_URL database', () => {
  it('when REDIS_URL ends in /1, then the queues write to database 1, not 0', async () => {
    const other = await startTestService({ workers: false, env: { REDIS_URL: `${TEST_REDIS_URL.replace(/\/\d*$/, '')}/1` } });
    const probe = new Redis(TEST_REDIS_URL.replace(/\/\d*$/, ''));
    try {
      await addJob(other.deps.queues, 'process-image', '00000000-0000-4000-8000-0000000000db');
      const prefix = other.deps.config.QUEUE_PREFIX;
      await probe.select(1);
      expect(await probe.keys(`${prefix}:process-image:*`)).not.toHaveLength(0);
      await probe.select(0);
      expect(await probe.keys(`${prefix}:process-image:*`)).toHaveLength(0);
    } finally {
      probe.disconnect();
      await other.close();
    }
  });
});

describe('first impressions', () => {
  /** The page's text as a reader sees it: tags removed, entities for & < > " ' decoded. */
  const textOf = (html: string) =>
    html
      .replace(/<script[\s\S]*?<\/script>/g, '')
      .replace(/<[^>]+>/g, '')
      .replace(/&#(\d+);/g, (_match, code: string) => String.fromCharCode(Number(code)));

  it('when the demo page is French, then every string is French, with ’ and a non-breaking space before : ; ! ?', async () => {
    const html = await (await service.request('/demo?lang=fr')).text();
    expect(html).toContain('Dan (nouveau compte)');
    expect(html).not.toMatch(/new account|Demo reader|imgmod demo/);
    const text = textOf(html);
    expect(text).not.toMatch(/ [:;!?]/);
    expect(text).not.toMatch(/[a-zà-ÿ]'[a-zà-ÿ]/i);
    expect(text).toContain('Lecteur de démonstration\u00a0:');
    expect(text).toContain('Promenade\u00a0: trois boucles au parc');
    const english = textOf(await (await service.request('/demo?lang=en')).text());
    expect(english).toContain('Dan (new account)');
    expect(english).toContain('Demo reader: ');
  });

  it('when the widget speaks French, then its strings use ’ and non-breaking spaces too', async () => {
    const widget = await (await service.request('/widget.js')).text();
    const french = widget.slice(widget.indexOf('    fr: {'), widget.indexOf('  };', widget.indexOf('    fr: {')));
    expect(french).toMatch(/hiddenNow: 'Merci d’avoir signalé\u00a0! Cette image est désormais masquée\.'/);
    expect(french).not.toMatch(/ [:;!?]/);
    expect(french).not.toMatch(/[a-zà-ÿ]'[a-zà-ÿ]/i);
    expect(french).not.toContain('"');
  });

  it('when the hiking article is shown, then its photo is a real photograph (500x333), not an orientation chart', async () => {
    const html = await (await service.request('/demo?lang=en')).text();
    const article = /<article><h2>Walks: three loops through the park<\/h2>[\s\S]*?<\/article>/.exec(html)?.[0];
    expect(article).toMatch(/width="500" height="333"/);
    expect(article).toContain('In the park, one spring morning.');
  });

  it('when / is opened, then a small landing page links docs, demo, moderation and health, with a favicon imgmod serves', async () => {
    const home = await service.request('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await home.text();
    for (const link of ['/docs', '/demo', '/moderate', '/readyz']) expect(html).toContain(`href="${link}"`);
    expect(html).toContain('<link rel="icon" href="/favicon.svg" type="image/svg+xml">');
    const icon = await service.request('/favicon.svg');
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/^image\/svg\+xml/);
    for (const page of ['/demo', '/moderate']) expect(await (await service.request(page)).text(), page).toContain('href="/favicon.svg"');
  });
});
