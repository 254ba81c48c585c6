import { once } from 'node:events';
import { connect } from 'node:net';
import express from 'express';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../../src/http/server.js';

describe('draining the HTTP server', () => {
  it('when a request arrives on an open kept-alive connection while draining, then it is answered with Connection: close and the socket closes; the one in flight completes', async () => {
    const app = express();
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    app.get('/slow', async (_req, res) => {
      await held;
      res.send('slow');
    });
    app.get('/fast', (_req, res) => {
      res.send('fast');
    });
    const http = createHttpServer(app, { REQUEST_TIMEOUT_MS: 10_000 });
    http.server.listen(0, '127.0.0.1');
    await once(http.server, 'listening');
    const { port } = http.server.address() as { port: number };

    // One kept-alive connection with a request in flight when draining starts, and a second request sent on it
    // after that (pipelined behind the first).
    const socket = connect(port, '127.0.0.1');
    await once(socket, 'connect');
    let received = '';
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()));
    const closed = once(socket, 'close');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));

    const drained = http.drain(5_000);
    socket.write('GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    release();
    expect(await drained).toBe(true);
    await closed;
    const responses = received.split('HTTP/1.1 ').slice(1);
    expect(responses).toHaveLength(2);
    expect(responses[0]).toMatch(/^200 /);
    expect(responses[0]).toMatch(/slow$/);
    expect(responses[1]).toMatch(/^200 /);
    expect(responses[1]!.toLowerCase()).toContain('connection: close');
  });
});
