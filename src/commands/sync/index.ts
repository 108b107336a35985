import type { CommandDeclaration, CommandInput } from '../declaration.js';
import {
  dirFlag,
  embedFlags,
  infoJsonFlag,
  eventsFlag,
  runHookFlags,
  type EmbedInput,
  type EventsInput,
  type RunHookInput,
} from '../shared/flags.js';

export type SyncInput = CommandInput<
  Record<string, never>,
  EmbedInput & EventsInput & RunHookInput & { dir?: string; force?: boolean; writeInfoJson?: boolean }
>;

export const sync: CommandDeclaration<SyncInput> = {
  name: 'sync',
  description: 'save every finished video of the journal that is not saved yet (for cron and CI)',
  flags: [
    dirFlag,
    { flags: '--force', description: 'overwrite files that are in the way' },
    ...embedFlags,
    infoJsonFlag,
    eventsFlag,
    ...runHookFlags,
  ],
  examples: ['veo sync', 'veo sync --quiet --dir ~/videos'],
  // sync saves what the reminder would point at.
  remindsOfExpiring: false,
  load: () => import('./run.js'),
};
