import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/cli.js';

describe('npm run demo', () => {
  it('shows exactly the command it runs, --interval included, and leaves a video', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'scripts', 'demo.js')], { cwd: ROOT, stdio: 'pipe' });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.stdout.resume();
    const [code] = await once(child, 'exit');
    assert.equal(code, 0, stderr);
    const output = join(ROOT, '.veo-demo', 'demo.mp4');
    const shown = stderr.split('\n').filter((line) => line.startsWith('$ '));
    assert.deepEqual(shown, [
      `$ veo create 'a paper boat drifting down a rainy street, cinematic' --ar 16:9 -o ${output} --force --interval 1`,
    ]);
    assert.match(stderr, /The video is at /);
  });
});
