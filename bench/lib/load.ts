/**
 * HTTP load over loopback for `npm run bench`, with node:http and a keep-alive agent (no dependency):
 * a closed loop (N connections, each sending its next request when the last one answered) for throughput, and
 * an open loop (requests sent on a fixed schedule whatever the answers) for latency at a given rate. Latency
 * in the open loop runs from the moment a request was due, so a server that falls behind is charged for it.
 */
import http from 'node:http';

/** One request: method, path (with query) and headers; the body as a string or bytes. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
}

/** What a load produced: answers by status, latencies in ms (sorted), and the measured span in ms. */
export interface LoadResult {
  sent: number;
  statuses: Record<number, number>;
  /** Requests that failed without an HTTP answer (reset, refused). */
  errors: number;
  latenciesMs: number[];
  durationMs: number;
  /** Answers with a 2xx status per second over the span. */
  okPerSecond: number;
  /** Called with each answered request's index and status, in answer order (for exactly-once checks). */
  answered: Array<{ index: number; status: number }>;
}

interface Answer {
  status: number;
  body: Buffer;
}

/** Sends one request on `agent` and resolves with its status and body; rejects on a socket error. */
export function send(base: URL, agent: http.Agent, spec: RequestSpec): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: base.hostname,
        port: base.port,
        method: spec.method,
        path: spec.path,
        agent,
        headers: {
          ...spec.headers,
          ...(spec.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(spec.body)) }),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks) }));
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(spec.body);
  });
}

function result(
  sent: number,
  records: Array<{ index: number; status: number; ms: number }>,
  errors: number,
  durationMs: number,
): LoadResult {
  const statuses: Record<number, number> = {};
  for (const { status } of records) statuses[status] = (statuses[status] ?? 0) + 1;
  const ok = records.filter(({ status }) => status >= 200 && status < 300).length;
  return {
    sent,
    statuses,
    errors,
    latenciesMs: records.map(({ ms }) => ms).sort((a, b) => a - b),
    durationMs,
    okPerSecond: (ok * 1000) / durationMs,
    answered: records.map(({ index, status }) => ({ index, status })),
  };
}

/**
 * `connections` loops, each sending `next(i)` (i counts up across all loops) until `durationMs` passed.
 * Requests still in flight at the end are awaited and counted (they are part of what the server stored).
 */
export async function closedLoop(
  base: URL,
  options: { connections: number; durationMs: number; next: (index: number) => RequestSpec },
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.connections });
  const records: Array<{ index: number; status: number; ms: number }> = [];
  let sent = 0;
  let errors = 0;
  const started = performance.now();
  const end = started + options.durationMs;
  const loop = async () => {
    while (performance.now() < end) {
      const index = sent++;
      const at = performance.now();
      try {
        const answer = await send(base, agent, options.next(index));
        records.push({ index, status: answer.status, ms: performance.now() - at });
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: options.connections }, loop));
  const durationMs = performance.now() - started;
  agent.destroy();
  return result(sent, records, errors, durationMs);
}

/**
 * Sends `next(i)` at `ratePerSecond` for `durationMs`, on as many connections as needed (up to 1,000), and
 * waits for every answer. Latency counts from the moment each request was due. `onAnswer` hears each answer
 * as it arrives, with its time (performance.now(), ms).
 */
export async function openLoop(
  base: URL,
  options: {
    ratePerSecond: number;
    durationMs: number;
    next: (index: number) => RequestSpec;
    onAnswer?: (index: number, status: number, at: number) => void;
  },
): Promise<LoadResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1000 });
  const records: Array<{ index: number; status: number; ms: number }> = [];
  const pending: Promise<void>[] = [];
  let errors = 0;
  const total = Math.round((options.ratePerSecond * options.durationMs) / 1000);
  const interval = 1000 / options.ratePerSecond;
  const started = performance.now();
  for (let index = 0; index < total; index++) {
    const due = started + index * interval;
    const wait = due - performance.now();
    if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
    pending.push(
      send(base, agent, options.next(index)).then(
        (answer) => {
          const at = performance.now();
          records.push({ index, status: answer.status, ms: at - due });
          options.onAnswer?.(index, answer.status, at);
        },
        () => void errors++,
      ),
    );
  }
  await Promise.all(pending);
  const durationMs = performance.now() - started;
  agent.destroy();
  return result(total, records, errors, durationMs);
}
