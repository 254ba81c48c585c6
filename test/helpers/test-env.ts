/** Where the tests find PostgreSQL and Redis: TEST_DATABASE_SERVER / TEST_REDIS_URL, else the local defaults. */
export const TEST_DATABASE_SERVER = process.env.TEST_DATABASE_SERVER ?? 'postgres://postgres@127.0.0.1:5432';
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
