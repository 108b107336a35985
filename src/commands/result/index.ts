import type { CommandDeclaration, CommandInput } from '../declaration.js';
import { eventsFlag, type EventsInput } from '../shared/flags.js';

export type ResultInput = CommandInput<{ id: string }, EventsInput>;

export const result: CommandDeclaration<ResultInput> = {
  name: 'result',
  description: "ask once for a task's state",
  arguments: [{ name: 'id', syntax: '<id>', description: 'task id (24 hex characters)' }],
  flags: [eventsFlag],
  examples: ['veo result 684e5b2214bed9a815408cb3', 'veo result 684e5b2214bed9a815408cb3 --json'],
  remindsOfExpiring: true,
  load: () => import('./run.js'),
};
