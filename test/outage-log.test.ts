import { Writable } from 'node:stream';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { outageLog, shortReason } from '../src/outage-log.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino(
    { level: 'info' },
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    }),
  );
  return { logger, lines };
}

describe('outage logs', () => {
  it('when Redis fails five times a second for three minutes, then four lines are logged, with counts and no stack', () => {
    const { logger, lines } = capture();
    let clock = 0;
    const redis = outageLog(logger, 'Redis', { now: () => clock, confirmMs: 0 });
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379\n    at TCPConnectWrap.afterConnect'), {
      code: 'ECONNREFUSED',
    });
    for (; clock < 180_000; clock += 200) redis.failed(refused);
    redis.recovered();
    expect(lines.map((line) => line.msg)).toEqual([
      'Redis unavailable; retrying (logged again at most once a minute)',
      'Redis still unavailable',
      'Redis still unavailable',
      'Redis is back',
    ]);
    expect(lines[1]).toMatchObject({
      level: 40,
      dependency: 'Redis',
      failures: 300,
      downForMs: 60_000,
      reason: 'connect ECONNREFUSED 127.0.0.1:6379',
    });
    expect(JSON.stringify(lines)).not.toMatch(/TCPConnectWrap|stack/);
  });

  it('when the dependency is up, then recovered() logs nothing; after a recovery a new outage is logged at once', () => {
    const { logger, lines } = capture();
    let clock = 0;
    const postgres = outageLog(logger, 'PostgreSQL', { now: () => clock, confirmMs: 0 });
    postgres.recovered();
    expect(lines).toHaveLength(0);
    postgres.failed(new Error('Connection terminated'));
    clock += 1_000;
    postgres.recovered();
    clock += 1_000;
    postgres.failed(new Error('Connection terminated'));
    expect(lines.map((line) => line.msg)).toEqual([
      'PostgreSQL unavailable; retrying (logged again at most once a minute)',
      'PostgreSQL is back',
      'PostgreSQL unavailable; retrying (logged again at most once a minute)',
    ]);
  });

  it('when a client reports ready and fails again at once, then that is not a recovery', async () => {
    const { logger, lines } = capture();
    const redis = outageLog(logger, 'Redis', { confirmMs: 50 });
    redis.failed(new Error('read ECONNRESET'));
    redis.recovered();
    redis.failed(new Error('connect ECONNREFUSED 127.0.0.1:6379'));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.map((line) => line.msg)).toEqual(['Redis unavailable; retrying (logged again at most once a minute)']);
    redis.recovered();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(lines.at(-1)).toMatchObject({ msg: 'Redis is back' });
  });

  it('when the same logger and dependency are asked twice, then the outage log is shared', () => {
    const { logger } = capture();
    expect(outageLog(logger, 'Redis')).toBe(outageLog(logger, 'Redis'));
    expect(shortReason(new AggregateError([Object.assign(new Error('connect ECONNREFUSED ::1:5432'), { code: 'ECONNREFUSED' })]))).toBe(
      'connect ECONNREFUSED ::1:5432',
    );
  });
});
