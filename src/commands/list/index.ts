import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type ListInput = CommandInput<Record<string, never>, { pending?: boolean; unsaved?: boolean; limit?: string }>;

export const list: CommandDeclaration<ListInput> = {
  name: 'list',
  description: 'the tasks started from this machine: status, age, prompt, saved file or time left on the link',
  flags: [
    { flags: '--pending', description: 'only tasks still running' },
    { flags: '--unsaved', description: 'only finished videos not saved yet' },
    { flags: '--limit <n>', description: 'only the newest n' },
  ],
  examples: ['veo list', 'veo list --unsaved', 'veo list --json --limit 5'],
  // The list already shows what is about to expire.
  remindsOfExpiring: false,
  load: () => import('./run.js'),
};
