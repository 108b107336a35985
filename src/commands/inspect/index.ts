import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type InspectInput = CommandInput<{ file: string }, Record<string, never>>;

export const inspect: CommandDeclaration<InspectInput> = {
  name: 'inspect',
  description: "what is known of a saved clip: its embedded tags, its .info.json, veo's journal",
  arguments: [{ name: 'file', syntax: '<file>', description: 'an MP4 file' }],
  examples: ['veo inspect clip.mp4', 'veo inspect clip.mp4 --json'],
  remindsOfExpiring: false,
  load: () => import('./run.js'),
};
