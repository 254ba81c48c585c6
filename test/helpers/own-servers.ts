/**
 * PostgreSQL and Redis servers of a test's own, on spare ports, for tests that stop, restart, fill or kill
 * them (never the shared ones). PostgreSQL: initdb into a temporary directory as the `postgres` user, pg_ctl
 * to start and stop it. Redis: a child redis-server without persistence.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { chmod, chown, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';

const run = promisify(execFile);

/**
 * A TCP port nobody listens on right now, for a child process to listen on. Chosen at random below the kernel's
 * ephemeral range (`/proc/sys/net/ipv4/ip_local_port_range`, 32768 by default): a port the OS hands out for
 * `listen(0)` comes from that range, and so does the local port of every outgoing connection, so between our
 * check and the child's bind any client (a pool connecting to PostgreSQL, say) could take it and the child fail
 * with EADDRINUSE. Below the range only another listener can, and other tests choose at random among ~12,000.
 */
export async function sparePort(): Promise<number> {
  const floor = 20_000;
  const ceiling = await ephemeralFloor();
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const port = floor + Math.floor(Math.random() * (ceiling - floor));
    if (await canListen(port)) return port;
  }
  throw new Error(`no spare port between ${floor} and ${ceiling} after 50 tries`);
}

async function ephemeralFloor(): Promise<number> {
  try {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/);
    const port = Number(low);
    return Number.isInteger(port) && port > 21_000 ? port : 32_768;
  } catch {
    return 32_768; // not Linux: the IANA dynamic range starts at 49152, Linux's default at 32768
  }
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, '127.0.0.1');
    await once(server, 'listening');
  } catch {
    return false;
  }
  await new Promise((resolve) => server.close(resolve));
  return true;
}

async function postgresBin(): Promise<string> {
  const { stdout } = await run('pg_config', ['--bindir']);
  return stdout.trim();
}

export interface OwnPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database: string): string;
  /** pg_ctl stop -m fast: sessions end with 57P01 admin_shutdown, as in a restart or failover. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its directory. */
  close(): Promise<void>;
}

/** initdb + start, as the postgres user (PostgreSQL refuses to run as root). */
export async function startOwnPostgres(): Promise<OwnPostgres> {
  const bin = await postgresBin();
  const dir = await mkdtemp(join(tmpdir(), 'imgmod-pg-'));
  await chmod(dir, 0o755);
  const { stdout } = await run('id', ['-u', 'postgres']);
  const uid = Number(stdout.trim());
  const { stdout: gidOut } = await run('id', ['-g', 'postgres']);
  await chown(dir, uid, Number(gidOut.trim()));
  const data = join(dir, 'data');
  const asPostgres = (command: string, args: string[]) => run('runuser', ['-u', 'postgres', '--', join(bin, command), ...args]);
  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await sparePort();
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '60', 'start']);
  };
  const stop = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
  };
  await start();
  return {
    port,
    url: (database) => `postgres://postgres@127.0.0.1:${port}/${database}`,
    start,
    stop,
    async close() {
      await stop().catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface OwnRedis {
  port: number;
  url: string;
  /** A client to this Redis (closed by close()). */
  client: Redis;
  /** SIGKILL: every key is lost (no persistence). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A redis-server child with no persistence, `noeviction`, on a spare port. */
export async function startOwnRedis(): Promise<OwnRedis> {
  const port = await sparePort();
  let child: ChildProcess | null = null;
  const start = async () => {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--maxmemory-policy', 'noeviction'],
      {
        stdio: 'ignore',
      },
    );
    const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    probe.on('error', () => undefined);
    for (let i = 0; ; i++) {
      try {
        await probe.connect();
        await probe.ping();
        break;
      } catch (error) {
        if (i > 200) throw error;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
    probe.disconnect();
  };
  const kill = async () => {
    const current = child;
    if (!current || current.exitCode !== null) return;
    const exited = once(current, 'exit');
    current.kill('SIGKILL');
    await exited;
  };
  await start();
  const client = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1 });
  client.on('error', () => undefined);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client,
    kill,
    start,
    async close() {
      client.disconnect();
      await kill();
    },
  };
}
