import { readFileSync } from 'node:fs';
import { launchCommand } from './launch/launch-command.js';
import { VERSION } from './version.js';

/** The top-level help as commander renders it, written at build time by scripts/write-help.js. */
function prebuiltHelp(): string | undefined {
  try {
    return readFileSync(new URL('./help.txt', import.meta.url), 'utf8');
  } catch {
    return undefined;
  }
}

// `veo --version` and `veo --help` are called in loops by scripts: answer them before loading commander.
const argv = process.argv.slice(2);
// It is laid out for 80 columns: a narrower terminal gets it rendered live, to its width.
const narrow = process.stdout.isTTY && (process.stdout.columns || 80) < 80;
const help = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && !narrow ? prebuiltHelp() : undefined;
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else if (help !== undefined) {
  process.stdout.write(help);
} else {
  // Not awaited at the top level: the launcher is CommonJS (see bin/package.json), which has no top-level await.
  void launchCommand(argv, VERSION);
}
