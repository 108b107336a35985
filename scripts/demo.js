#!/usr/bin/env node
// The quick start: a real `veo create ... -o` against the bundled simulator, with a throwaway key and config
// folder, leaving a playable mp4 behind. Nothing leaves this machine and nothing is paid for.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

/** @param {string} word */
function shellWord(word) {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outputDir = join(root, '.veo-demo');
const output = join(outputDir, 'demo.mp4');

const sim = spawn(process.execPath, [join(root, 'bin', 'veo-sim.js'), '--port', '0', '--task-seconds', '6'], {
  stdio: ['ignore', 'pipe', 'ignore'],
});
const [baseUrl] = await once(createInterface({ input: sim.stdout }), 'line');
const configDir = await mkdtemp(join(tmpdir(), 'veo-demo-'));
await mkdir(outputDir, { recursive: true });

process.stderr.write(`veo-sim is listening on ${baseUrl}\n`);
// The line shown is built from the very arguments that run, so the two cannot drift apart.
const args = [
  'create',
  'a paper boat drifting down a rainy street, cinematic',
  '--ar',
  '16:9',
  '-o',
  output,
  '--force',
  '--interval',
  '1',
];
process.stderr.write(`$ veo ${args.map(shellWord).join(' ')}\n`);
const veo = spawn(process.execPath, [join(root, 'bin', 'veo.js'), ...args], {
  stdio: 'inherit',
  env: {
    ...process.env,
    GPTUNNEL_BASE_URL: baseUrl,
    GPTUNNEL_API_KEY: 'shds-demo-key-0000',
    VEO_CONFIG_DIR: configDir,
  },
});
const [code] = await once(veo, 'exit');
sim.kill();
await rm(configDir, { recursive: true, force: true });
if (code === 0)
  process.stderr.write(`\nThe video is at ${output} (play it with any video player, or: ffprobe ${output})\n`);
process.exitCode = code ?? 1;
