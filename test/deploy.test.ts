import { describe, expect, it } from 'vitest';
import { composeFile, deployExpressions, deployMetricNames, repoFile } from './helpers/deploy-files.js';

const compose = composeFile();
const services = compose.services;
const env = (service: string) => services[service]!.environment as Record<string, string>;

describe('docker-compose.yml', () => {
  it('when api and worker start, then they run one image, built once from this directory', () => {
    expect(services.api!.image).toBe(services.worker!.image);
    expect(services.api!.build).toBe('.');
    expect(services.worker!.build).toBe(services.api!.build);
    const images = new Set(
      Object.values(services)
        .filter((service) => service.build !== undefined)
        .map((service) => service.image),
    );
    expect([...images]).toEqual(['imgmod:local']);
    expect(services.api!.command).toEqual(['--role', 'api']);
    expect(services.worker!.command).toEqual(['--role', 'worker']);
  });

  it("when the worker starts, then with the image's entry point and 4 MB semi-spaces, as npm run start:worker starts it", () => {
    const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(repoFile('Dockerfile'))![1]!) as string[];
    expect(services.worker!.entrypoint).toEqual([entrypoint[0], '--max-semi-space-size=4', ...entrypoint.slice(1)]);
    expect(services.api!.entrypoint).toBeUndefined();
    const scripts = (JSON.parse(repoFile('package.json')) as { scripts: Record<string, string> }).scripts;
    expect(scripts['start:worker']).toBe('node --max-semi-space-size=4 dist/src/main.js --role worker');
  });

  it('when the API is published, then only on 127.0.0.1 unless IMGMOD_BIND_ADDRESS opts out, on the configured port', () => {
    expect(services.api!.ports).toEqual(['${IMGMOD_BIND_ADDRESS:-127.0.0.1}:${PORT:-8080}:${PORT:-8080}']);
    for (const [name, service] of Object.entries(services)) {
      for (const port of (service.ports as string[] | undefined) ?? [])
        expect(port, name).toMatch(/^\$\{IMGMOD_BIND_ADDRESS:-127\.0\.0\.1\}:/);
    }
    expect(env('api').PORT).toBe('${PORT:-8080}');
  });

  it('when health is checked, then the API is probed on its configured PORT and the worker on METRICS_PORT, never a hard-coded 8080', () => {
    const api = (services.api!.healthcheck as { test: string[] }).test.join(' ');
    const worker = (services.worker!.healthcheck as { test: string[] }).test.join(' ');
    expect(api).toMatch(/process\.env\.PORT\+'\/healthz'/);
    expect(worker).toMatch(/process\.env\.METRICS_PORT\+'\/healthz'/);
    expect(`${api} ${worker}`).not.toMatch(/8080/);
    expect(env('worker').METRICS_PORT).toBeDefined();
    for (const name of ['postgres', 'redis']) expect(services[name]!.healthcheck, name).toBeDefined();
    expect(services.api!.depends_on).toMatchObject({ postgres: { condition: 'service_healthy' }, redis: { condition: 'service_healthy' } });
  });

  it('when PostgreSQL and Redis run, then their passwords come from .env, PostgreSQL keeps a volume, Redis has AOF and noeviction', () => {
    const postgres = env('postgres');
    expect(postgres.POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?/);
    expect(postgres).not.toHaveProperty('POSTGRES_HOST_AUTH_METHOD');
    expect(services.postgres!.volumes).toContain('pgdata:/var/lib/postgresql/data');
    expect(compose.volumes).toHaveProperty('pgdata');
    const redisCommand = (services.redis!.command as string[]).join(' ');
    expect(redisCommand).toMatch(/--appendonly yes/);
    expect(redisCommand).toMatch(/--maxmemory-policy noeviction/);
    expect(redisCommand).toMatch(/--requirepass "\$\$REDIS_PASSWORD"/);
    expect(env('redis').REDIS_PASSWORD).toMatch(/^\$\{REDIS_PASSWORD:\?/);
    expect(env('api').DATABASE_URL).toBe('postgres://imgmod:${POSTGRES_PASSWORD:?set POSTGRES_PASSWORD in .env}@postgres:5432/imgmod');
    expect(env('api').REDIS_URL).toMatch(/^redis:\/\/:\$\{REDIS_PASSWORD:\?[^}]*\}@redis:6379\/0$/);
    expect(env('api').NODE_ENV).toBe('production');
    expect(env('api').TRUST_PROXY).not.toMatch(/true/);
  });

  it('when an operator copies .env.example, then every variable the compose file reads is listed there', () => {
    const used = new Set([...repoFile('docker-compose.yml').matchAll(/\$\{([A-Z_]+)[:}]/g)].map((match) => match[1]!));
    const listed = new Set([...repoFile('.env.example').matchAll(/^([A-Z_]+)=/gm)].map((match) => match[1]!));
    expect([...used].filter((name) => !listed.has(name))).toEqual([]);
    expect(repoFile('.gitignore')).toMatch(/^\.env$/m);
  });
});

describe('Dockerfile', () => {
  const dockerfile = repoFile('Dockerfile');
  const finalStage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));

  it('when the image runs, then as a non-root user', () => {
    const users = [...finalStage.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
    expect(users.at(-1)).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(users.at(-1));
    expect(finalStage.indexOf('USER ')).toBeLessThan(finalStage.indexOf('ENTRYPOINT'));
  });

  it('when sharp runs in it, then malloc is jemalloc from Debian libjemalloc2 (LD_PRELOAD)', () => {
    expect(finalStage).toMatch(/apt-get install -y --no-install-recommends libjemalloc2/);
    const preload = /^ENV LD_PRELOAD=(\S+)/m.exec(finalStage)?.[1];
    expect(preload).toBe('/usr/local/lib/libjemalloc.so.2');
    expect(finalStage).toMatch(/ln -s "\/usr\/lib\/\$\(uname -m\)-linux-gnu\/libjemalloc\.so\.2" \/usr\/local\/lib\/libjemalloc\.so\.2/);
    // Its background thread hands freed pages back while the process is idle.
    expect(/^ENV MALLOC_CONF=(\S+)/m.exec(finalStage)?.[1]).toBe('background_thread:true');
  });

  it('when Docker checks health, then on PORT', () => {
    expect(/^HEALTHCHECK .*$/m.exec(finalStage)?.[0]).toMatch(/process\.env\.PORT\|\|8080/);
  });
});

describe('deploy/ monitoring files', () => {
  it('when loaded, then the alerts cover the outbox backlog, overdue reviews and a worker down, and every panel has a query', () => {
    const alerts = repoFile('deploy/prometheus-alerts.yml');
    for (const name of ['ImgmodOutboxBacklog', 'ImgmodReviewOverdue', 'ImgmodWorkerDown']) expect(alerts).toContain(`alert: ${name}`);
    expect(deployExpressions().every((expr) => expr.trim().length > 0)).toBe(true);
    expect(deployMetricNames()).toEqual(
      expect.arrayContaining(['imgmod_outbox_oldest_pending_age_seconds', 'imgmod_reviews_overdue', 'imgmod_queue_workers']),
    );
  });
});
