import type { CommandDeclaration, CommandInput } from '../declaration.js';
import {
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

export type DownloadInput = CommandInput<
  { target: string },
  TimingInput & EmbedInput & EventsInput & RunHookInput & { output?: string; force?: boolean; writeInfoJson?: boolean }
>;

export const download: CommandDeclaration<DownloadInput> = {
  name: 'download',
  description: 'save the video of a task (waiting for it first if needed), or of a video URL',
  arguments: [{ name: 'target', syntax: '<id|url>', description: 'task id, or the video URL the API returned' }],
  flags: [
    {
      flags: '-o, --output <path>',
      description: 'where to save it (default <output-dir>/<output-template>; - for stdout)',
    },
    { flags: '--force', description: 'overwrite an existing file' },
    ...embedFlags,
    infoJsonFlag,
    ...timingFlags,
    eventsFlag,
    ...runHookFlags,
  ],
  examples: [
    'veo download 684e5b2214bed9a815408cb3',
    'veo download 684e5b2214bed9a815408cb3 -o clip.mp4 --force',
    'veo download 684e5b2214bed9a815408cb3 -o - | ffprobe -',
  ],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
