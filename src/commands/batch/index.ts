import type { CommandDeclaration, CommandInput } from '../declaration.js';
import {
  anyModelFlag,
  ASPECT_RATIOS,
  concurrencyFlag,
  DEFAULT_MODEL,
  dirFlag,
  GITHUB_ACTIONS_HELP,
  embedFlags,
  runHookFlags,
  type RunHookInput,
  infoJsonFlag,
  repeatFlag,
  templateFlag,
  yesFlag,
  timingFlags,
  type EmbedInput,
  type TimingInput,
  eventsFlag,
  type EventsInput,
  maxCostFlag,
} from '../shared/flags.js';

export type BatchInput = CommandInput<
  { file: string },
  TimingInput &
    EmbedInput &
    EventsInput &
    RunHookInput & {
      concurrency: string;
      dir?: string;
      model?: string;
      anyModel?: boolean;
      ar?: string;
      force?: boolean;
      dryRun?: boolean;
      maxCost?: string;
      allowDuplicates?: boolean;
      retryUnconfirmed?: boolean;
      template?: string;
      repeat?: string;
      yes?: boolean;
      writeInfoJson?: boolean;
      ignoreBalance?: boolean;
    }
>;

export const batch: CommandDeclaration<BatchInput> = {
  name: 'batch',
  description: 'create, wait for and save many videos: one prompt a line, bounded concurrency, resumable',
  arguments: [
    {
      name: 'file',
      syntax: '<file>',
      description: 'a text file (one prompt a line) or JSON lines (prompt, ar, image, model, output); - for stdin',
    },
  ],
  flags: [
    concurrencyFlag,
    dirFlag,
    templateFlag,
    { flags: '--model <id>', description: `model of the lines that name none (default ${DEFAULT_MODEL})` },
    anyModelFlag,
    { flags: '--ar <ratio>', description: 'aspect ratio of the lines that name none', choices: ASPECT_RATIOS },
    { flags: '--force', description: 'overwrite files that are in the way' },
    ...embedFlags,
    { flags: '--dry-run', description: 'check every line and print the total cost; send nothing' },
    repeatFlag,
    maxCostFlag,
    yesFlag,
    infoJsonFlag,
    { flags: '--allow-duplicates', description: 'make one clip per line even when lines repeat (each is paid for)' },
    {
      flags: '--ignore-balance',
      description: 'send the creates even when the balance covers none (the API refuses them unbilled)',
    },
    {
      flags: '--retry-unconfirmed',
      description: 'create again the items whose earlier create was never answered (may pay twice)',
    },
    ...timingFlags,
    eventsFlag,
    ...runHookFlags,
  ],
  examples: [
    'veo batch prompts.txt --dir clips',
    'veo batch prompts.txt --dry-run',
    'veo batch prompts.txt --max-cost 500',
    "veo batch prompts.txt --dir clips --exec 'cp {path} /backup/' --notify",
    'veo batch prompts.txt --template "{n}-{variant}-{slug:30}.{ext}" --repeat 2',
    'veo batch shots.jsonl --concurrency 5 --ar 9:16',
    'grep -v draft ideas.txt | veo batch - --json > results.json',
    'veo batch prompts.txt --events - | jq -c \'select(.type == "item")\'',
  ],
  epilogue:
    '\nRe-running the same command resumes: saved items are skipped and no item is created twice.\n' +
    'A prompt with {a|b|c} makes one clip per choice (\\{ \\| \\} write the characters themselves).\n' +
    GITHUB_ACTIONS_HELP,
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
