import type { FlagDeclaration } from '../declaration.js';

// Flags several commands share, and the values their help and their option schemas both need. Plain data: this
// module is read at start-up, before any command's logic is loaded.

/** The model a create uses when none is named. */
export const DEFAULT_MODEL = 'glabs-veo-3-1-fast';

export const ASPECT_RATIOS = ['1:1', '16:9', '9:16'] as const;
export type AspectRatio = (typeof ASPECT_RATIOS)[number];

export const intervalFlag = {
  flags: '--interval <seconds>',
  description: 'longest gap between status checks, in seconds (at least 1); checks come sooner when the task is due',
  default: '5',
} as const satisfies FlagDeclaration;

export const timeoutFlag = {
  flags: '--timeout <duration>',
  description: 'how long to wait: 90, 90s, 15m, 1h',
  default: '15m',
} as const satisfies FlagDeclaration;

export const concurrencyFlag = {
  flags: '--concurrency <n>',
  description: 'items in progress at once',
  default: '3',
} as const satisfies FlagDeclaration;

/** Flags every command that makes a paid create shares (create, rerun), worded once. */
export const waitForUrlFlag = {
  flags: '--wait',
  description: 'wait for the video and print its URL',
} as const satisfies FlagDeclaration;

export const forceOutputFlag = {
  flags: '--force',
  description: 'overwrite the output file if it exists',
} as const satisfies FlagDeclaration;

export const retryUnconfirmedFlag = {
  flags: '--retry-unconfirmed',
  description: 'create it even though the same create was sent before and never answered (may pay twice)',
} as const satisfies FlagDeclaration;

export const anyModelFlag = {
  flags: '--any-model',
  description: 'send a model veo does not know to make video (only the Veo family, glabs-veo-*, is known)',
} as const satisfies FlagDeclaration;

export const maxCostFlag = {
  flags: '--max-cost <rubles>',
  description:
    'refuse, before paying, a run whose new clips cost more than this in all (e.g. 100 or 49.50); exit 9, nothing sent',
} as const satisfies FlagDeclaration;

export const timingFlags = [intervalFlag, timeoutFlag] as const;

/** What --interval and --timeout give a command before its schema parses them. */
export interface TimingInput {
  interval: string;
  timeout: string;
}

export const dirFlag = {
  flags: '--dir <folder>',
  description: 'where to save (default: the output-dir setting, else the current folder)',
} as const satisfies FlagDeclaration;

/** Both spellings: the stored embed-metadata setting is the default, and either flag overrides it. */
export const embedFlags = [
  {
    flags: '--embed-metadata',
    description: 'write the prompt and settings into the MP4 (title, description, comment)',
  },
  { flags: '--no-embed-metadata', description: 'save the video exactly as served' },
] as const satisfies readonly FlagDeclaration[];

export interface EmbedInput {
  embedMetadata?: boolean;
}

export const infoJsonFlag = {
  flags: '--write-info-json',
  description: 'write <name>.info.json (prompt, settings, sha256) beside each video (setting: write-info-json)',
} as const satisfies FlagDeclaration;

export const templateFlag = {
  flags: '--template <template>',
  description: 'name each video by this template, e.g. "{date}-{slug:40}-{id}.{ext}" (setting: output-template)',
} as const satisfies FlagDeclaration;

export const repeatFlag = {
  flags: '--repeat <n>',
  description:
    'make n clips of each prompt (each is paid for); with it or with {a|b} groups in a prompt, the clips are waited for and saved, and the same command resumes',
} as const satisfies FlagDeclaration;

export const yesFlag = {
  flags: '--yes',
  description: 'create more clips than the max-items setting allows (variations, --repeat)',
} as const satisfies FlagDeclaration;

export const eventsFlag = {
  flags: '--events <file|->',
  description:
    'write what happens (created, status, retry, progress, saved, failed, item, end) as JSON lines to a file (appended), or - for stdout; see README "Event stream"',
} as const satisfies FlagDeclaration;

/** What --events gives a command: the place named, opened by the run's listeners before the command starts. */
export interface EventsInput {
  events?: string;
}

/** The help's word on what a run under GitHub Actions adds (README: GitHub Actions). */
export const GITHUB_ACTIONS_HELP =
  'Under GitHub Actions (GITHUB_ACTIONS=true) errors are also ::error annotations, and a table of the clips ' +
  '(prompt, status, price, path) is added to $GITHUB_STEP_SUMMARY.\n';

export const execFlag = {
  flags: '--exec <command>',
  description:
    'run a shell command after each clip is saved, with {path} {id} {prompt} {url} {sha256} passed safely (repeatable, run in order)',
  repeatable: true,
} as const satisfies FlagDeclaration;

/** Both spellings: the stored notify and bell settings are the defaults, and either flag overrides them. */
export const endSignalFlags = [
  { flags: '--notify', description: 'show a desktop notification when the run ends (setting: notify)' },
  { flags: '--no-notify', description: 'no desktop notification, whatever the notify setting says' },
  { flags: '--bell', description: 'ring the terminal bell when the run ends (setting: bell)' },
  { flags: '--no-bell', description: 'no bell, whatever the bell setting says' },
] as const satisfies readonly FlagDeclaration[];

/** Hooks and end signals: every command that waits for clips or saves them has all three. */
export const runHookFlags = [execFlag, ...endSignalFlags] as const;

export interface RunHookInput {
  exec?: string | string[];
  notify?: boolean;
  bell?: boolean;
}
