import type { CommandDeclaration, CommandInput } from '../declaration.js';
import {
  concurrencyFlag,
  embedFlags,
  infoJsonFlag,
  timingFlags,
  type EmbedInput,
  type TimingInput,
  eventsFlag,
  type EventsInput,
} from '../shared/flags.js';

export type WaitInput = CommandInput<
  { id?: string },
  TimingInput &
    EmbedInput &
    EventsInput & { output?: string; force?: boolean; writeInfoJson?: boolean; all?: boolean; concurrency?: string }
>;

export const wait: CommandDeclaration<WaitInput> = {
  name: 'wait',
  description: 'poll a task until it finishes; prints the video URL (or the saved path with -o)',
  arguments: [{ name: 'id', syntax: '[id]', description: 'task id (or --all)' }],
  flags: [
    { flags: '-o, --output <path>', description: 'save the video here when done (- for stdout); with --all a folder' },
    {
      flags: '--all',
      description:
        'wait for every unfinished task of the journal; prints "<id><tab><url>" for each, or the saved path with -o',
    },
    { ...concurrencyFlag, description: 'with --all: tasks waited for at once' },
    { flags: '--force', description: 'overwrite the output file if it exists' },
    ...embedFlags,
    infoJsonFlag,
    ...timingFlags,
    eventsFlag,
  ],
  examples: [
    'veo wait 684e5b2214bed9a815408cb3',
    'veo wait 684e5b2214bed9a815408cb3 --timeout 30m -o clip.mp4',
    'veo wait --all -o clips/',
  ],
  epilogue: [
    'With --all, "unfinished" means a task last seen still running (queued, processing, done without its link yet),',
    'or one whose download was started and did not complete; --timeout bounds the whole run. A task already seen',
    'finished and never saved is not waited for: `veo sync` saves those. A create whose answer never came has no',
    'task id and cannot be waited for; `veo list` shows it.',
  ].join(' '),
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
