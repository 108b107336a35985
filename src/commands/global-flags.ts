import type { FlagDeclaration } from './declaration.js';

/**
 * The options every command takes, before or after its name: commander is given these, the commander-free route
 * recognises them, and shell completion offers them, all from this one list.
 */
export const GLOBAL_FLAGS: readonly FlagDeclaration[] = [
  { flags: '--json', description: 'print one JSON document on stdout (errors as JSON on stderr)' },
  { flags: '-q, --quiet', description: 'results only: no progress, hints or warnings' },
  { flags: '--verbose', description: 'trace every HTTP request on stderr (the key masked)' },
  { flags: '--no-color', description: 'no colours' },
  {
    flags: '--api-key <key>',
    description: 'API key (prefer GPTUNNEL_API_KEY or `veo auth login`: flags are visible in ps)',
  },
  { flags: '--base-url <url>', description: 'API origin (default https://gptunnel.ru)' },
];
