import type { CommandDeclaration, CommandInput } from '../declaration.js';
import { dirFlag, embedFlags, infoJsonFlag, type EmbedInput, eventsFlag, type EventsInput } from '../shared/flags.js';

export type SyncInput = CommandInput<
  Record<string, never>,
  EmbedInput & EventsInput & { dir?: string; force?: boolean; writeInfoJson?: boolean }
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
  ],
  examples: ['veo sync', 'veo sync --quiet --dir ~/videos'],
  // sync saves what the reminder would point at.
  remindsOfExpiring: false,
  load: () => import('./run.js'),
};
