/**
 * A pg Pool that records every statement sent through it (pool.query, and the clients pool.connect hands out), for
 * tests that hold a use case to a number of round trips.
 */
import type pg from 'pg';

export interface CountingPool {
  pool: pg.Pool;
  /** Each statement's text (a query config's text), in the order sent. */
  texts: string[];
  /** How many statements were sent so far. */
  statements(): number;
}

/** Wraps `pool`; the wrapper shares its connections, so counting changes nothing else. */
export function countingPool(pool: pg.Pool): CountingPool {
  const texts: string[] = [];
  const record = (query: unknown) => texts.push(typeof query === 'string' ? query : String((query as { text?: unknown }).text));
  const counted = <T extends object>(target: T, wrap: Record<string, unknown>): T =>
    new Proxy(target, {
      get(object, property) {
        if (typeof property === 'string' && property in wrap) return wrap[property];
        const value: unknown = Reflect.get(object, property, object);
        return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
      },
    });
  const query =
    (target: { query: (...args: unknown[]) => unknown }) =>
    (...args: unknown[]) => {
      record(args[0]);
      return target.query(...args);
    };
  const wrapped = counted(pool, {
    query: query(pool as unknown as { query: (...args: unknown[]) => unknown }),
    connect: async () => {
      const client = await pool.connect();
      return counted(client, { query: query(client as unknown as { query: (...args: unknown[]) => unknown }) });
    },
  });
  return { pool: wrapped, texts, statements: () => texts.length };
}
