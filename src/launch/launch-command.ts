import { createRequire } from 'node:module';
import { loadBundle } from './run-bundle.js';

// Not import(): in the CommonJS launcher that would start Node's ES module loader for one built-in module.
const require = createRequire(import.meta.url);

/** Runs a command (anything but the launcher's own --version and --help) from the bundle, then ends the process. */
export async function launchCommand(argv: string[], veoVersion: string): Promise<void> {
  // undici parses HTTP with a WebAssembly module; V8's optimising compile of it costs a one-shot CLI more
  // (about 250 ms measured on `veo result`) than the baseline code ever loses, even on a 512 MiB download.
  // Set before the bundle is compiled: V8's flags are part of what its code cache is valid for.
  const v8Flags = '--liftoff-only';
  const { setFlagsFromString } = require('node:v8') as typeof import('node:v8');
  setFlagsFromString(v8Flags);
  const { bundle, saveCodeCache } = loadBundle(veoVersion, v8Flags);
  process.exitCode = await bundle.main(argv);
  saveCodeCache();
  // Whatever is left (an idle keep-alive socket, a stray timer) must not keep a finished command alive.
  setTimeout(() => process.exit(), 1000).unref();
}
