/** A site's webhook receiver for tests: a real HTTP server on 127.0.0.1 that records every delivery it is sent. */
import http, { type ServerResponse } from 'node:http';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';

/** One request the receiver got, and how it answered. */
export interface ReceivedDelivery {
  headers: Record<string, string>;
  body: string;
  /** The parsed body: { type, timestamp, data }. */
  event: { type: string; timestamp: string; data: { imageId: string } & Record<string, unknown> };
  /** The status it answered, or null while it hangs. */
  answered: number | null;
}

export interface WebhookReceiver {
  url: string;
  port: number;
  /** Every request, in arrival order. */
  requests: ReceivedDelivery[];
  /** The requests it accepted (2xx), in order. */
  accepted(): ReceivedDelivery[];
  /** `ok` answers 204, `fail` answers 500, `hang` never answers. */
  mode: 'ok' | 'fail' | 'hang';
  close(): Promise<void>;
}

/**
 * Starts a receiver on `port` (default: any free port), answering as `mode` says (changeable while it runs).
 */
export async function startWebhookReceiver(options: { port?: number; mode?: WebhookReceiver['mode'] } = {}): Promise<WebhookReceiver> {
  const hanging = new Set<ServerResponse>();
  const receiver: WebhookReceiver = {
    url: '',
    port: 0,
    requests: [],
    accepted: () => receiver.requests.filter((request) => request.answered !== null && request.answered < 300),
    mode: options.mode ?? 'ok',
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const entry: ReceivedDelivery = {
        headers: Object.fromEntries(Object.entries(req.headers).map(([name, value]) => [name, String(value)])),
        body,
        event: JSON.parse(body) as ReceivedDelivery['event'],
        answered: null,
      };
      receiver.requests.push(entry);
      if (receiver.mode === 'hang') return void hanging.add(res);
      entry.answered = receiver.mode === 'ok' ? 204 : 500;
      res.writeHead(entry.answered).end();
    });
  });
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  receiver.port = (server.address() as AddressInfo).port;
  receiver.url = `http://127.0.0.1:${receiver.port}/hooks`;
  return receiver;
}
