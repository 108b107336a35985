import type { CommandDeclaration, CommandInput } from '../declaration.js';
import {
  anyModelFlag,
  forceOutputFlag,
  retryUnconfirmedFlag,
  waitForUrlFlag,
  embedFlags,
  runHookFlags,
  type RunHookInput,
  timingFlags,
  type EmbedInput,
  type TimingInput,
  eventsFlag,
  type EventsInput,
  maxCostFlag,
} from '../shared/flags.js';

export type RerunInput = CommandInput<
  { source: string },
  TimingInput &
    EmbedInput &
    EventsInput &
    RunHookInput & {
      yes?: boolean;
      anyModel?: boolean;
      wait?: boolean;
      output?: string;
      force?: boolean;
      dryRun?: boolean;
      maxCost?: string;
      retryUnconfirmed?: boolean;
    }
>;

export const rerun: CommandDeclaration<RerunInput> = {
  name: 'rerun',
  description: 'create a new clip with the prompt and settings of a saved clip or a task (paid)',
  arguments: [{ name: 'source', syntax: '<file|id>', description: 'a clip veo saved, or a task id in the journal' }],
  flags: [
    { flags: '-y, --yes', description: 'create without asking (required when not on a terminal)' },
    anyModelFlag,
    waitForUrlFlag,
    { flags: '-o, --output <path>', description: 'wait, then save the video here (implies --wait; - for stdout)' },
    forceOutputFlag,
    maxCostFlag,
    ...embedFlags,
    { flags: '--dry-run', description: 'print the request and its cost, and send nothing' },
    retryUnconfirmedFlag,
    ...timingFlags,
    eventsFlag,
    ...runHookFlags,
  ],
  examples: [
    'veo rerun clip.mp4 --dry-run',
    'veo rerun clip.mp4 -o clip-2.mp4',
    'veo rerun 684e5b2214bed9a815408cb3 --yes --wait',
  ],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
