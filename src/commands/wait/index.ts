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
  runHookFlags,
  type RunHookInput,
} from '../shared/flags.js';

export type WaitInput = CommandInput<
  { id?: string },
  TimingInput &
    EmbedInput &
    EventsInput &
    RunHookInput & { output?: string; force?: boolean; writeInfoJson?: boolean; all?: boolean; concurrency?: string }
>;

export const wait: CommandDeclaration<WaitInput> = {
  name: 'wait',
  description: 'poll a task until it finishes; prints the video URL (or the saved path with -o)',
  arguments: [{ name: 'id', syntax: '[id]', description: 'task id (or --all)' }],
  flags: [
    {
      flags: '-o, --output <path>',
      description: 'save the video here when done (- for stdout); with --all a folder or a template with {id}',
    },
    {
      flags: '--all',
      description:
        'wait for every task of the journal last seen unfinished (finished, unsaved ones are for `veo sync`); prints "<id><tab><url>" for each, or the saved path with -o; --timeout bounds the whole run',
    },
    { ...concurrencyFlag, description: 'with --all: tasks waited for at once' },
    { flags: '--force', description: 'overwrite the output file if it exists' },
    ...embedFlags,
    infoJsonFlag,
    ...timingFlags,
    eventsFlag,
    ...runHookFlags,
  ],
  examples: [
    'veo wait 684e5b2214bed9a815408cb3',
    'veo wait 684e5b2214bed9a815408cb3 --timeout 30m -o clip.mp4 --notify',
    "veo wait --all -o clips/ --exec 'echo {path}'",
  ],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
