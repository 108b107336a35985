// The gallery as one HTML document: no script, no request to anywhere but the clips themselves (and those only
// where the page and the clips are), every text from outside escaped and its hidden characters shown.
import { createHash } from 'node:crypto';
import { formatRubles } from '../../task/pricing.js';
import { shellQuote } from '../../ui/shell-quote.js';
import { formatAge } from '../../ui/text-format.js';
import type { Clip, ClipState } from './clips.js';
import type { ClipGroup } from './groups.js';
import { escapeHtml, htmlAttribute, htmlText } from './html-text.js';
import { mediaUrl } from './media-url.js';
import { PAGE_STYLE } from './page-style.js';

/** Marks a page as veo's: only such a page is rewritten without --force. */
export const GENERATOR = 'veo gallery';

export interface PageInput {
  groups: ClipGroup[];
  /** The page's folder: clips are linked relative to it. */
  pageDir: string;
  now: number;
  version: string;
}

/**
 * Nothing but the clips (media from the page's own place or file: URLs), the posters inlined as data: URIs and
 * the one style sheet, by its hash. No script at all, no fetch, no frame, no form, no base to reroute links.
 */
export function contentSecurityPolicy(style: string): string {
  const styleHash = createHash('sha256').update(style, 'utf8').digest('base64');
  return [
    "default-src 'none'",
    "media-src 'self' file:",
    'img-src data:',
    `style-src 'sha256-${styleHash}'`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

function when(iso: string | undefined): string {
  if (!iso) return '?';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return htmlText(iso);
  const shown = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<time datetime="${htmlAttribute(date.toISOString())}">${shown}</time>`;
}

const STATUS_WORDS: Record<ClipState, string> = {
  saved: 'saved',
  missing: 'saved, but the file is gone',
  unsaved: 'not saved yet',
  expired: 'expired: never saved, the link is dead',
  running: 'still being made',
  failed: 'failed',
};

function absentText(clip: Clip, now: number): string {
  switch (clip.state) {
    case 'unsaved': {
      const left = clip.expiresAt ? Date.parse(clip.expiresAt) - now : Number.NaN;
      const until = Number.isNaN(left) ? '' : `; its link expires in ${formatAge(left)}`;
      return `Not saved yet${until}. <code>veo download ${escapeHtml(clip.id)}</code> saves it.`;
    }
    case 'expired':
      return 'Expired: the link died before the video was saved.';
    case 'running':
      return `Still being made (last seen: ${htmlText(clip.status ?? '?')}). <code>veo sync</code> saves it once done.`;
    case 'failed':
      return clip.reason ? `Failed: ${htmlText(clip.reason.replace(/[.\s]+$/, ''))}.` : 'Failed.';
    case 'missing':
      return `The saved file is no longer at ${htmlText(clip.path ?? '?')}.`;
    default:
      return '';
  }
}

function player(clip: Clip, input: PageInput): string {
  if (clip.state !== 'saved' || !clip.path) {
    return `<div class="absent"><p>${absentText(clip, input.now)}</p></div>`;
  }
  const poster = clip.poster ? ` poster="${htmlAttribute(clip.poster)}"` : '';
  const src = htmlAttribute(mediaUrl(input.pageDir, clip.path));
  return `<video controls preload="metadata"${poster} src="${src}"></video>`;
}

function choicesHtml(clip: Clip, differing: boolean[]): string {
  if (!clip.choices) return '';
  const chips = clip.choices.map(
    (choice, at) => `<span class="choice${differing[at] ? ' differs' : ''}">${htmlText(choice)}</span>`,
  );
  return `<dt>choices</dt><dd>${chips.join('')}</dd>`;
}

function priceHtml(clip: Clip): string {
  if (clip.price === undefined) return 'unknown';
  const amount = escapeHtml(formatRubles(clip.price));
  return clip.priceSource === 'list' ? `${amount} <span class="batch">(list price)</span>` : amount;
}

function clipHtml(clip: Clip, group: ClipGroup, input: PageInput): string {
  const ar = clip.ar && /^\d+:\d+$/.test(clip.ar) ? ` ar-${clip.ar.replace(':', 'x')}` : '';
  const facts = [
    `<dt>status</dt><dd class="status">${escapeHtml(STATUS_WORDS[clip.state])}</dd>`,
    // A clip's own prompt is shown only where it is not the group's heading (a variation of a template).
    clip.prompt !== group.text ? `<dt>prompt</dt><dd class="own-prompt">${htmlText(clip.prompt)}</dd>` : '',
    choicesHtml(clip, group.differing),
    `<dt>model</dt><dd>${htmlText(clip.model ?? '?')}${clip.ar ? ` · ${htmlText(clip.ar)}` : ''}</dd>`,
    `<dt>price</dt><dd>${priceHtml(clip)}</dd>`,
    `<dt>made</dt><dd>${when(clip.createdAt)}</dd>`,
    `<dt>task</dt><dd>${htmlText(clip.id)}</dd>`,
    clip.path ? `<dt>file</dt><dd>${htmlText(clip.path)}</dd>` : '',
  ];
  return [
    `<article class="clip state-${clip.state}${ar}" id="task-${htmlAttribute(clip.id)}">`,
    player(clip, input),
    `<dl class="facts">${facts.join('')}</dl>`,
    `<code class="cmd" title="rerun: the same prompt and settings, a new paid task">veo rerun ${htmlText(shellQuote(clip.id))}</code>`,
    '</article>',
  ].join('\n');
}

function groupHtml(group: ClipGroup, input: PageInput): string {
  const batch = group.batch ? `<p class="batch">batch into ${htmlText(group.batch)}</p>` : '';
  const takes = group.clips.map((clip) => clipHtml(clip, group, input)).join('\n');
  return `<section class="group">\n<h2 class="prompt">${htmlText(group.text)}</h2>${batch}\n<div class="takes">\n${takes}\n</div>\n</section>`;
}

export function renderPage(input: PageInput): string {
  const clips = input.groups.reduce((sum, group) => sum + group.clips.length, 0);
  const made = new Date(input.now).toISOString();
  const summary = `${clips} clip${clips === 1 ? '' : 's'} of ${input.groups.length} prompt${input.groups.length === 1 ? '' : 's'}, written ${when(made)}`;
  const body = input.groups.length
    ? input.groups.map((group) => groupHtml(group, input)).join('\n')
    : '<p class="empty">No clips match.</p>';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${htmlAttribute(contentSecurityPolicy(PAGE_STYLE))}">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="${GENERATOR} ${htmlAttribute(input.version)}">
<title>veo gallery</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header><h1>veo gallery</h1><p>${summary}</p></header>
<main>
${body}
</main>
</body>
</html>
`;
}
