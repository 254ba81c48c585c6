import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { sparePort } from './helpers/own-servers.js';

describe('sparePort, the port a test hands to a child process to listen on', () => {
  it('when asked many times, then it never answers a port of the ephemeral range that outgoing connections take', async () => {
    const [low] = (await readFile('/proc/sys/net/ipv4/ip_local_port_range', 'utf8')).trim().split(/\s+/);
    const ports = await Promise.all(Array.from({ length: 200 }, () => sparePort()));
    expect(ports.filter((port) => port >= Number(low))).toEqual([]);
    expect(new Set(ports).size).toBeGreaterThan(150); // random, so parallel test files rarely meet
  });
});
