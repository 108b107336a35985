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
// It is laid out for 80 columns: a narrower terminal gets it rendered live, to its width.
const narrow = process.stdout.isTTY && (process.stdout.columns || 80) < 80;
const help = argv.length === 1 && (argv[0] === '--help' || argv[0] === '-h') && !narrow ? prebuiltHelp() : undefined;
if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-V')) {
  process.stdout.write(`${VERSION}\n`);
} else if (help !== undefined) {
  process.stdout.write(help);
} else {
  // undici parses HTTP with a WebAssembly module; V8's optimising compile of it costs a one-shot CLI more
  // (about 250 ms measured on `veo result`) than the baseline code ever loses, even on a 512 MiB download.
  // Set before the bundle is compiled: V8's flags are part of what its code cache is valid for.
  const v8Flags = '--liftoff-only';
  const { setFlagsFromString } = await import('node:v8');
  setFlagsFromString(v8Flags);
  const { loadBundle } = await import('./launch/run-bundle.js');
  const { bundle, saveCodeCache } = loadBundle(VERSION, v8Flags);
  process.exitCode = await bundle.main(argv);
  saveCodeCache();
  // Whatever is left (an idle keep-alive socket, a stray timer) must not keep a finished command alive.
  setTimeout(() => process.exit(), 1000).unref();
}
