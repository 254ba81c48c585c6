/**
 * The serving reference of `npm run bench`: express.static over REF_STATIC_DIR, which holds the same bytes
 * imgmod serves (a display image, a thumbnail, the blocked placeholder). Prints `listening <port>`.
 */
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.use(express.static(process.env.REF_STATIC_DIR ?? '.'));
const server = app.listen(0, '127.0.0.1');
await once(server, 'listening');
console.log(`listening ${(server.address() as AddressInfo).port}`);
process.on('SIGTERM', () => server.close(() => process.exit(0)));
