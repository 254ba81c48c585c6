import { pdqHash } from '../src/domain/pdq.js';
const l = Float32Array.from({ length: 512 * 384 }, (_, i) => (i * 7919) % 255);
for (let k = 0; k < 3; k++) { const t = performance.now(); for (let i = 0; i < 20; i++) pdqHash(l, { width: 512, height: 384 }); console.log(((performance.now() - t) / 20).toFixed(2), 'ms'); }
