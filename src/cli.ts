import { readFileSync } from 'node:fs';
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
const help = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') ? prebuiltHelp() : undefined;
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else if (help !== undefined) {
  process.stdout.write(help);
} else {
  const { main } = await import('./main.js');
  process.exitCode = await main(argv);
  // Whatever is left (an idle keep-alive socket, a stray timer) must not keep a finished command alive.
  setTimeout(() => process.exit(), 1000).unref();
}
