import type { CommandDeclaration, CommandInput } from '../declaration.js';

export type LoginInput = CommandInput<Record<string, never>, { withToken?: boolean }>;
export type NoInput = CommandInput<Record<string, never>, Record<string, never>>;

// The key is not a task: none of these is followed by the reminder about expiring videos.
const login: CommandDeclaration<LoginInput> = {
  name: 'login',
  description: 'store the API key (asked for without echo, or read from stdin with --with-token)',
  flags: [{ flags: '--with-token', description: 'read the key from stdin' }],
  examples: ['veo auth login', 'printf %s "$KEY" | veo auth login --with-token'],
  remindsOfExpiring: false,
  load: () => import('./login.js'),
};

const status: CommandDeclaration<NoInput> = {
  name: 'status',
  description: 'show which key is used and where it comes from (masked); exit 3 if none',
  examples: ['veo auth status'],
  remindsOfExpiring: false,
  load: () => import('./status.js'),
};

const logout: CommandDeclaration<NoInput> = {
  name: 'logout',
  description: 'remove the stored key',
  examples: ['veo auth logout'],
  remindsOfExpiring: false,
  load: () => import('./logout.js'),
};

export const auth: CommandDeclaration = {
  name: 'auth',
  description: 'store, check or remove the API key',
  examples: ['veo auth login', 'veo auth status', 'veo auth logout'],
  remindsOfExpiring: false,
  subcommands: [login, status, logout],
};
