/**
 * The OpenAPI document: valid by a maintained validator (Redocly's), covering every route the app mounts, and
 * true to the running app: every documented example, sent as documented, gets a documented status.
 */
import { createConfig, lintFromString } from '@redocly/openapi-core';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { openApiDocument } from '../../src/http/openapi.js';
import { startTestService, type TestService } from '../helpers/test-service.js';

let service: TestService;
beforeAll(async () => {
  service = await startTestService({ workers: false });
});
afterAll(() => service.close());

type Operation = {
  security?: Record<string, string[]>[];
  parameters?: { name: string; in: string; required?: boolean; schema?: { example?: unknown; default?: unknown } }[];
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, unknown>;
};

const document = openApiDocument() as unknown as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(document.paths).flatMap(([path, item]) =>
  Object.entries(item).map(([method, operation]) => ({ path, method, operation })),
);

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every `METHOD /path` the app's routers mount, with `:param` written `{param}` as in OpenAPI. */
function mountedRoutes(app: Express): string[] {
  const found: string[] = [];
  const walk = (stack: Layer[]) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? layer.route.path : [layer.route.path];
        for (const path of paths) {
          for (const method of Object.keys(layer.route.methods).filter((m) => m !== '_all'))
            found.push(`${method} ${path.replace(/:(\w+)/g, '{$1}')}`);
        }
      } else if (layer.handle?.stack) {
        walk(layer.handle.stack);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack);
  return [...new Set(found)].sort();
}

describe('the OpenAPI document', () => {
  it("when checked with Redocly's recommended rules, then it has no errors", async () => {
    const config = await createConfig({ extends: ['recommended'] });
    const problems = await lintFromString({ source: JSON.stringify(document), absoluteRef: 'openapi.json', config });
    expect(problems.filter((problem) => problem.severity === 'error').map((problem) => `${problem.ruleId}: ${problem.message}`)).toEqual(
      [],
    );
    expect((document as unknown as { openapi: string }).openapi).toBe('3.1.0');
  });

  it('when the app mounts a route, then the document has it', () => {
    const documented = new Set(operations.map(({ method, path }) => `${method} ${path}`));
    const mounted = mountedRoutes(buildApp(service.deps));
    expect(mounted.length).toBeGreaterThan(30);
    expect(mounted.filter((route) => !documented.has(route))).toEqual([]);
  });

  it('when /openapi.json and /docs are asked for, then the document and a page whose assets come from imgmod itself answer', async () => {
    const served = await service.request('/openapi.json');
    expect(served.status).toBe(200);
    expect(await served.json()).toEqual(JSON.parse(JSON.stringify(document)));
    const page = await service.request('/docs');
    expect(page.status).toBe(200);
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(3);
    for (const asset of assets) {
      expect(asset.startsWith('/')).toBe(true);
      expect((await service.request(asset)).status).toBe(200);
    }
  });

  it.each(operations.map(({ method, path, operation }) => [`${method.toUpperCase()} ${path}`, method, path, operation] as const))(
    'when %s is sent with its documented examples, then the answer has a documented status',
    async (_name, method, path, operation) => {
      let url = path;
      const query = new URLSearchParams();
      for (const parameter of operation.parameters ?? []) {
        const example = parameter.schema?.example;
        if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, encodeURIComponent(example as string));
        if (parameter.in === 'query' && example !== undefined) query.set(parameter.name, example as string);
      }
      const [contentType, media] = Object.entries(operation.requestBody?.content ?? {})[0] ?? [];
      const headers: Record<string, string> = {};
      let body: string | undefined;
      if (media?.example !== undefined) {
        headers['content-type'] = contentType!;
        body = typeof media.example === 'string' ? media.example : JSON.stringify(media.example);
      }
      const secured = (operation.security ?? []).length > 0;
      const role = path.startsWith('/v1/admin')
        ? 'admin'
        : path.startsWith('/v1/moderation') || path.startsWith('/admin')
          ? 'moderator'
          : 'reader';
      const response = await service.request(`${url}${query.size ? `?${query.toString()}` : ''}`, {
        method: method.toUpperCase(),
        headers,
        ...(body === undefined ? {} : { body }),
        ...(secured ? { as: role === 'reader' ? 'alice' : `${role}-1`, role } : {}),
        redirect: 'manual',
      });
      expect(Object.keys(operation.responses)).toContain(String(response.status));
    },
  );
});
