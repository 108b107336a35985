import type { CommandDeclaration, CommandInput } from '../declaration.js';
import {
  anyModelFlag,
  forceOutputFlag,
  retryUnconfirmedFlag,
  waitForUrlFlag,
  ASPECT_RATIOS,
  DEFAULT_MODEL,
  embedFlags,
  runHookFlags,
  type RunHookInput,
  infoJsonFlag,
  repeatFlag,
  timingFlags,
  yesFlag,
  type EmbedInput,
  type TimingInput,
  eventsFlag,
  type EventsInput,
  maxCostFlag,
} from '../shared/flags.js';

export type CreateInput = CommandInput<
  { prompt?: string },
  TimingInput &
    EmbedInput &
    EventsInput &
    RunHookInput & {
      promptFile?: string;
      ar?: string;
      image?: string;
      model: string;
      anyModel?: boolean;
      wait?: boolean;
      output?: string;
      force?: boolean;
      dryRun?: boolean;
      maxCost?: string;
      retryUnconfirmed?: boolean;
      repeat?: string;
      yes?: boolean;
      writeInfoJson?: boolean;
    }
>;

export const create: CommandDeclaration<CreateInput> = {
  name: 'create',
  description: 'start a generation; prints the task id',
  arguments: [{ name: 'prompt', syntax: '[prompt]', description: 'the prompt, or - to read it from stdin' }],
  flags: [
    { flags: '--prompt-file <path>', description: 'read the prompt (UTF-8) from a file, or - for stdin' },
    { flags: '--ar <ratio>', description: 'aspect ratio', choices: ASPECT_RATIOS },
    { flags: '--image <url>', description: 'first frame: a public http(s) image URL' },
    { flags: '--model <id>', description: 'model id', default: DEFAULT_MODEL },
    anyModelFlag,
    waitForUrlFlag,
    {
      flags: '-o, --output <path>',
      description:
        'wait, then save the video here: a file, a folder, or a template such as "{slug:40}-{id}.{ext}" (implies --wait; - for stdout)',
    },
    forceOutputFlag,
    ...embedFlags,
    infoJsonFlag,
    repeatFlag,
    maxCostFlag,
    yesFlag,
    { flags: '--dry-run', description: 'print the request that would be sent, and send nothing' },
    retryUnconfirmedFlag,
    ...timingFlags,
    eventsFlag,
    ...runHookFlags,
  ],
  examples: [
    'veo create "a paper boat on a rainy street" --ar 9:16',
    'veo create "timelapse of a city at night" -o city.mp4',
    'veo create "a lighthouse at dawn" -o dawn.mp4 --events events.jsonl',
    'veo create --prompt-file prompt.txt --image https://example.com/a.jpg --wait',
    'echo "a cat playing piano" | veo create - --dry-run',
    'veo create "a {red|blue} kite" --repeat 2 -o "kites/{variant}-{slug}.{ext}"',
    'veo create "a lighthouse at dawn" --repeat 3 --max-cost 150 -o clips/',
    'veo create "a koi pond" -o koi.mp4 --exec \'ffprobe {path}\' --notify',
  ],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
