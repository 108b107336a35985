import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type GalleryInput = CommandInput<
  Record<string, never>,
  { dir?: string; batch?: string; since?: string; output?: string; open?: boolean; force?: boolean }
>;

export const gallery: CommandDeclaration<GalleryInput> = {
  name: 'gallery',
  description: 'write one HTML page of the clips made: players, prompts, prices, states, a rerun command each',
  flags: [
    { flags: '--dir <folder>', description: 'only clips in this folder; the page goes there too unless -o says' },
    { flags: '--batch <file>', description: 'only clips made by this batch file' },
    {
      flags: '--since <when>',
      description: 'only clips made since: 1d (today), 2w, 12h, a date such as 2026-11-01, or all',
    },
    { flags: '-o, --output <path>', description: 'the page (default gallery.html, in --dir if given)' },
    { flags: '--open', description: "open the page in the system's browser" },
    { flags: '--force', description: 'overwrite a file at the page path that is not a veo gallery' },
  ],
  examples: [
    'veo gallery --open',
    'veo gallery --dir ~/videos --since 1d',
    'veo gallery --batch prompts.txt -o b.html',
  ],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
