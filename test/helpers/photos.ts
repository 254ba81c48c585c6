/**
 * Distinct photo-like pictures made on the fly, and the edits an evader makes to a blocked one (mirror,
 * rotation, crop, caption band). Each picture is a seeded scene: a smooth colour field at three scales, a
 * horizon, a few shapes and a line of text, so that pictures share the statistics of photos (smooth areas,
 * edges, texture) while any two seeds are different scenes.
 */
import sharp, { type Sharp } from 'sharp';

/** A small deterministic generator (mulberry32): the same seed always gives the same picture. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A colour field of `cells` random values a side, smoothly enlarged to the picture's size, as PNG. */
async function field(next: () => number, cells: { width: number; height: number }, size: { width: number; height: number }) {
  const pixels = Buffer.from(Array.from({ length: cells.width * cells.height * 3 }, () => Math.floor(next() * 256)));
  return sharp(pixels, { raw: { ...cells, channels: 3 } })
    .resize(size.width, size.height, { fit: 'fill', kernel: 'cubic' })
    .png()
    .toBuffer();
}

const WORDS = ['harbour', 'market', 'sunday', 'garden', 'station', 'winter', 'festival', 'bridge', 'valley', 'river', 'square', 'night'];

/**
 * A photo-like JPEG for `seed`: 480–800 px wide, 4:3 to 16:9 or portrait.
 */
export async function syntheticPhoto(seed: number): Promise<Buffer> {
  const next = random(seed * 7919 + 17);
  const landscape = next() < 0.75;
  const long = 480 + Math.floor(next() * 320);
  const short = Math.round(long / (1.33 + next() * 0.45));
  const size = landscape ? { width: long, height: short } : { width: short, height: long };
  const coarse = await field(next, { width: 3 + Math.floor(next() * 3), height: 3 + Math.floor(next() * 3) }, size);
  const middle = await field(next, { width: 8 + Math.floor(next() * 8), height: 6 + Math.floor(next() * 6) }, size);
  const fine = await field(next, { width: 40, height: 30 }, size);
  const colour = () => `rgb(${Math.floor(next() * 256)},${Math.floor(next() * 256)},${Math.floor(next() * 256)})`;
  const shapes: string[] = [];
  const horizon = size.height * (0.3 + next() * 0.4);
  shapes.push(
    `<path d="M0 ${horizon} Q ${size.width / 2} ${horizon + (next() - 0.5) * size.height * 0.4} ${size.width} ${horizon + (next() - 0.5) * 80} L ${size.width} ${size.height} L 0 ${size.height} Z" fill="${colour()}" fill-opacity="0.55"/>`,
  );
  for (let i = 0, n = 3 + Math.floor(next() * 5); i < n; i++) {
    const x = next() * size.width;
    const y = next() * size.height;
    const r = 10 + next() * size.width * 0.15;
    shapes.push(
      next() < 0.5
        ? `<circle cx="${x}" cy="${y}" r="${r}" fill="${colour()}" fill-opacity="${0.4 + next() * 0.6}"/>`
        : `<rect x="${x}" y="${y}" width="${r * 1.5}" height="${r}" transform="rotate(${next() * 90} ${x} ${y})" fill="${colour()}" fill-opacity="${0.4 + next() * 0.6}"/>`,
    );
  }
  const word = `${WORDS[Math.floor(next() * WORDS.length)]} ${Math.floor(next() * 100)}`;
  shapes.push(
    `<text x="${next() * size.width * 0.5}" y="${size.height * (0.15 + next() * 0.7)}" font-family="DejaVu Sans" font-size="${18 + next() * 30}" fill="${colour()}">${word}</text>`,
  );
  const svg = Buffer.from(`<svg xmlns="http://www.w3.org/2000/svg" width="${size.width}" height="${size.height}">${shapes.join('')}</svg>`);
  return sharp(coarse)
    .composite([
      { input: middle, blend: 'soft-light' },
      { input: fine, blend: 'overlay' },
      { input: svg, blend: 'over' },
    ])
    .jpeg({ quality: 88 })
    .toBuffer();
}

/** The edits an evader makes to a blocked picture before uploading it again. */
export const EVASIONS = {
  'mirrored (flip left-right)': (image: Sharp) => image.flop(),
  'rotated 90°': (image: Sharp) => image.rotate(90),
  'rotated 180°': (image: Sharp) => image.rotate(180),
  'rotated 270°': (image: Sharp) => image.rotate(270),
} as const satisfies Record<string, (image: Sharp) => Sharp>;

/** Cuts `fraction` of the picture off one edge (0 top, 1 right, 2 bottom, 3 left). */
export async function cropOneEdge(bytes: Buffer, edge: number, fraction: number): Promise<Buffer> {
  const { width, height } = await sharp(bytes).metadata();
  const dx = edge % 2 === 1 ? Math.round(width * fraction) : 0;
  const dy = edge % 2 === 0 ? Math.round(height * fraction) : 0;
  return sharp(bytes)
    .extract({ left: edge === 3 ? dx : 0, top: edge === 0 ? dy : 0, width: width - dx, height: height - dy })
    .jpeg({ quality: 85 })
    .toBuffer();
}

/**
 * A caption band over `fraction` of the height at the top (`top`) or bottom: white, with a line of black text,
 * laid over the picture the way meme makers do.
 */
export async function captionBand(bytes: Buffer, options: { fraction: number; top: boolean; text: string }): Promise<Buffer> {
  const { width, height } = await sharp(bytes).metadata();
  const band = Math.round(height * options.fraction);
  const y = options.top ? 0 : height - band;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><rect x="0" y="${y}" width="${width}" height="${band}" fill="white"/><text x="${width / 2}" y="${y + band * 0.68}" font-family="DejaVu Sans" font-weight="bold" font-size="${band * 0.5}" text-anchor="middle" fill="black">${options.text}</text></svg>`;
  return sharp(bytes)
    .composite([{ input: Buffer.from(svg) }])
    .jpeg({ quality: 85 })
    .toBuffer();
}
