import { Agent, request, type IncomingMessage } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it, inject } from 'vitest';
import { signToken } from '../../src/auth/tokens.js';
import { distinctPicture } from '../helpers/images.js';
import { spawnImgmod, type ImgmodProcess } from '../helpers/imgmod-process.js';
import { TEST_DATABASE_SERVER, TEST_REDIS_URL } from '../helpers/test-env.js';

const JWT_SECRET = 'shutdown-test-secret-0123456789abcdef';
const database = `imgmod_test_${inject('runId')}_shutdown_${process.pid}`;
let imgmod: ImgmodProcess | undefined;
let dataDir: string | undefined;

afterAll(async () => {
  imgmod?.child.kill('SIGKILL');
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  const admin = new pg.Client({ connectionString: `${TEST_DATABASE_SERVER}/postgres` });
  await admin.connect();
  await admin.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(database)} WITH (FORCE)`);
  await admin.end();
});

interface Answer {
  status: number;
  connection: string | undefined;
  body: string;
}

function send(agent: Agent, port: number, path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent }, (res: IncomingMessage) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, connection: res.headers.connection, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('SIGTERM', () => {
  it('when SIGTERM arrives mid-burst on kept-alive connections, then they are closed instead of served, an upload in flight completes, and the process exits 0 within SHUTDOWN_TIMEOUT_MS', async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'imgmod-shutdown-'));
    imgmod = await spawnImgmod('all', {
      DATABASE_URL: `${TEST_DATABASE_SERVER}/${database}`,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: `imgmod-test-${inject('runId')}-shutdown-${process.pid}`,
      DATA_DIR: dataDir,
      JWT_SECRET,
      DEMO_MODE: 'false',
      SHUTDOWN_TIMEOUT_MS: '8000',
    });
    const port = imgmod.port!;
    const agent = new Agent({ keepAlive: true, maxSockets: 4 });

    // An upload whose body is half sent when SIGTERM arrives.
    const picture = await distinctPicture(4242);
    const boundary = 'imgmod-shutdown-boundary';
    const head = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="p.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`,
    );
    const tail = Buffer.from(`\r\n--${boundary}--\r\n`);
    const body = Buffer.concat([head, picture, tail]);
    const token = await signToken(JWT_SECRET, { sub: 'uploader', role: 'reader' });
    const upload = request({
      host: '127.0.0.1',
      port,
      path: '/v1/images',
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/form-data; boundary=${boundary}`,
        'content-length': body.length,
      },
    });
    const uploaded = new Promise<number>((resolve, reject) => {
      upload.on('response', (res: IncomingMessage) => {
        res.resume();
        resolve(res.statusCode!);
      });
      upload.on('error', reject);
    });
    upload.write(body.subarray(0, 1000));

    // A steady stream of requests on four kept-alive connections.
    let signalled = false;
    const afterSignal: Answer[] = [];
    let refused = 0;
    const stream = async () => {
      for (;;) {
        try {
          const answer = await send(agent, port, '/metrics'); // a few queries: each connection is busy most of the time
          if (signalled) afterSignal.push(answer);
        } catch {
          if (signalled) refused++;
          if (signalled) return;
        }
      }
    };
    const streams = Array.from({ length: 4 }, stream);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const signalledAt = Date.now();
    signalled = true;
    imgmod.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 500));
    upload.end(body.subarray(1000));
    expect(await uploaded).toBe(201);
    expect(await imgmod.exited).toBe(0);
    expect(Date.now() - signalledAt).toBeLessThan(8_000);
    await Promise.all(streams);
    agent.destroy();

    // Each connection answers the request it was in and the few sent before the signal was handled, then
    // one more at most (marked Connection: close) and is closed: before, they were served until the forced exit.
    expect(afterSignal.length).toBeLessThanOrEqual(16);
    expect(imgmod.logs().find((line) => line.msg === 'stopped')).toMatchObject({ requestsDrained: true, jobsDrained: true });
    expect(refused).toBe(4);
  }, 60_000);
});
