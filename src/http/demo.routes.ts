/**
 * GET /demo (demo mode only): a small "news" page that plays a host site with logged-in readers. The visitor
 * picks a demo reader; the server signs that reader's token and hands it to the widget, exactly as a host
 * site's server would. "Anonymous" gives the widget no token: it then uses the anonymous reader cookie.
 */
import { Router } from 'express';
import type { Deps } from '../deps.js';
import { DEMO_READERS, signDemoReaderToken, type DemoReader } from '../demo/demo-site.js';
import { demoArticles, type DemoArticle } from '../demo/seed-demo.js';

/** Only our own scripts, styles and images; the widget styles itself through the CSSOM, which CSP allows. */
const DEMO_CSP = "default-src 'self'; img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'";

type Lang = 'fr' | 'en';

/**
 * Every string of the page, per language. French follows French typography: ’ for the apostrophe, and a
 * non-breaking space (U+00A0) before : ; ! and ?, so the sign never starts a line.
 */
const TEXT = {
  fr: {
    title: 'Le Quotidien du Quai',
    demo: 'démo imgmod',
    note: 'Démo imgmod : choisissez un lecteur, puis signalez une photo. Trois lecteurs suffisent à la bloquer.',
    reader: 'Lecteur de démonstration',
    readerLabel: 'Lecteur de démonstration : ',
    readers: { ana: 'Ana', ben: 'Ben', chloe: 'Chloé', dan: 'Dan (nouveau compte)' },
    anonymous: 'Anonyme',
    other: 'English',
  },
  en: {
    title: 'The Quayside Daily',
    demo: 'imgmod demo',
    note: 'imgmod demo: pick a reader, then report a photo. Three readers are enough to block it.',
    reader: 'Demo reader',
    readerLabel: 'Demo reader: ',
    readers: { ana: 'Ana', ben: 'Ben', chloe: 'Chloé', dan: 'Dan (new account)' },
    anonymous: 'Anonymous',
    other: 'Français',
  },
} as const satisfies Record<Lang, { readers: Record<DemoReader, string> } & Record<string, unknown>>;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}

function link(lang: Lang, reader: string): string {
  return `/demo?lang=${lang}&reader=${reader}`;
}

function articleHtml(article: DemoArticle, lang: Lang): string {
  const size = article.width && article.height ? ` width="${article.width}" height="${article.height}"` : '';
  const text = article[lang];
  return `<article><h2>${escapeHtml(text.headline)}</h2><figure>
<img src="/i/${article.imageId}" data-imgmod-id="${article.imageId}" alt="${escapeHtml(text.caption)}"${size}>
<figcaption>${escapeHtml(text.caption)}</figcaption></figure></article>`;
}

function pickerHtml(lang: Lang, reader: DemoReader | 'anonymous'): string {
  const choices: [string, string][] = [
    ...(Object.keys(DEMO_READERS) as DemoReader[]).map((id): [string, string] => [id, TEXT[lang].readers[id]]),
    ['anonymous', TEXT[lang].anonymous],
  ];
  const links = choices.map(
    ([id, name]) => `<a href="${link(lang, id)}"${id === reader ? ' aria-current="true"' : ''}>${escapeHtml(name)}</a>`,
  );
  const otherLang = lang === 'fr' ? 'en' : 'fr';
  return `<nav aria-label="${TEXT[lang].reader}">${TEXT[lang].readerLabel}${links.join(' ')}
<a class="lang" href="${link(otherLang, reader)}" lang="${otherLang}">${TEXT[lang].other}</a></nav>`;
}

/** The router for /demo (mounted only in demo mode). */
export function demoRoutes(deps: Deps): Router {
  const router = Router();
  if (!deps.config.DEMO_MODE) return router;

  router.get('/demo', async (req, res) => {
    const lang: Lang = req.query.lang === 'en' ? 'en' : 'fr';
    const asked = typeof req.query.reader === 'string' ? req.query.reader : 'ana';
    const reader = asked === 'anonymous' || Object.hasOwn(DEMO_READERS, asked) ? (asked as DemoReader | 'anonymous') : 'ana';
    const token = reader === 'anonymous' ? '' : ` data-token="${await signDemoReaderToken(deps.config, reader)}"`;
    const articles = (await demoArticles(deps)).map((article) => articleHtml(article, lang));
    res.set({ 'Content-Security-Policy': DEMO_CSP, 'Cache-Control': 'no-store' }).type('html').send(`<!doctype html>
<html lang="${lang}"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${TEXT[lang].title} · ${TEXT[lang].demo}</title><link rel="icon" href="/favicon.svg" type="image/svg+xml"><link rel="stylesheet" href="/demo.css"></head>
<body><header><p class="masthead">${TEXT[lang].title}</p><p class="note">${TEXT[lang].note}</p>${pickerHtml(lang, reader)}</header>
<main>${articles.join('\n')}</main>
<script src="/widget.js"${token} defer></script>
</body></html>`);
  });
  return router;
}
