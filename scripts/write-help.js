#!/usr/bin/env node
// Renders the top-level help through commander once, at build time, for 80 columns (its widest), so that
// `veo --help` can print it without loading commander (see src/cli.ts); a narrower terminal gets it rendered live.
// `veo help` always renders it live; a test checks that both agree.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const help = execFileSync(process.execPath, [join(root, 'dist', 'cli.cjs'), 'help'], {
  encoding: 'utf8',
  // No code cache from a build: it would land in the builder's own cache folder.
  env: { ...process.env, COLUMNS: '80', VEO_CODE_CACHE: 'off' },
});
writeFileSync(join(root, 'dist', 'help.txt'), help);
