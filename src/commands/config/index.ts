import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type KeyInput = CommandInput<{ key: string }, Record<string, never>>;
export type KeyValueInput = CommandInput<{ key: string; value: string }, Record<string, never>>;
export type NoInput = CommandInput<Record<string, never>, Record<string, never>>;

const key = { name: 'key', syntax: '<key>' };

// Settings are not tasks: none of these is followed by the reminder about expiring videos.
export const config: CommandDeclaration = {
  name: 'config',
  description:
    'read and change settings (base-url, output-dir, output-template, embed-metadata, write-info-json, max-items, budget.daily, budget.monthly, notify, bell)',
  examples: [
    'veo config list',
    'veo config set output-dir ~/videos',
    'veo config set budget.daily 500',
    'veo config path',
  ],
  remindsOfExpiring: false,
  subcommands: [
    {
      name: 'get',
      description: 'print a setting',
      arguments: [key],
      examples: ['veo config get output-dir'],
      remindsOfExpiring: false,
      load: async () => ({ run: (await import('./actions.js')).getSetting }),
    } satisfies CommandDeclaration<KeyInput>,
    {
      name: 'set',
      description: 'change a setting',
      arguments: [key, { name: 'value', syntax: '<value>' }],
      examples: ['veo config set output-dir ~/videos'],
      remindsOfExpiring: false,
      load: async () => ({ run: (await import('./actions.js')).setSetting }),
    } satisfies CommandDeclaration<KeyValueInput>,
    {
      name: 'unset',
      description: 'remove a setting',
      arguments: [key],
      examples: ['veo config unset base-url'],
      remindsOfExpiring: false,
      load: async () => ({ run: (await import('./actions.js')).unsetSetting }),
    } satisfies CommandDeclaration<KeyInput>,
    {
      name: 'list',
      description: 'print every setting (the key masked)',
      examples: ['veo config list'],
      remindsOfExpiring: false,
      load: async () => ({ run: (await import('./actions.js')).listSettings }),
    } satisfies CommandDeclaration<NoInput>,
    {
      name: 'path',
      description: 'print the config folder',
      examples: ['veo config path'],
      remindsOfExpiring: false,
      load: async () => ({ run: (await import('./actions.js')).printConfigPath }),
    } satisfies CommandDeclaration<NoInput>,
  ],
};
