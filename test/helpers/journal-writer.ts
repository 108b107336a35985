// A child process for test/unit/journal.test.ts: records tasks the way concurrent `veo` commands do.
//   node --import tsx test/helpers/journal-writer.ts <dir> [--wait-go] [--compact-at N] [--big BYTES] <id>...
// --wait-go: print "ready", then start on the first line read from stdin, so that many writers start together.
// --big: record one patch with a BYTES-long prompt for the first id, announced by "big" on stdout.
// --hold: take the journal's lock, print "locked", keep it until a line arrives on stdin, print "released".
// Otherwise each id gets the create, processing and done patches, in turn across the ids.
import { Journal } from '../../src/store/journal.js';

const args = process.argv.slice(2);
const dir = args.shift();
const ids: string[] = [];
let waitGo = false;
let compactAtBytes: number | undefined;
let big: number | undefined;
let hold = false;
while (args.length > 0) {
  const arg = args.shift() as string;
  if (arg === '--wait-go') waitGo = true;
  else if (arg === '--compact-at') compactAtBytes = Number(args.shift());
  else if (arg === '--big') big = Number(args.shift());
  else if (arg === '--hold') hold = true;
  else ids.push(arg);
}
if (dir === undefined || (ids.length === 0 && !hold)) throw new Error('usage: journal-writer <dir> [options] <id>...');

const journal = new Journal(dir, { compactAtBytes });

if (waitGo) {
  process.stdout.write('ready\n');
  await new Promise((resolve) => process.stdin.once('data', resolve));
  process.stdin.destroy();
}

if (hold) {
  await journal.exclusive(async () => {
    process.stdout.write('locked\n');
    await new Promise((resolve) => process.stdin.once('data', resolve));
  });
  process.stdin.destroy();
  process.stdout.write('released\n');
} else if (big !== undefined) {
  process.stdout.write('big\n');
  await journal.record({ id: ids[0] as string, prompt: 'x'.repeat(big) });
  process.stdout.write('written\n');
} else {
  const phases = [
    (id: string) => ({
      id,
      model: 'glabs-veo-3-1-fast',
      prompt: `prompt of ${id}`,
      params: { ar: '16:9' },
      createdAt: new Date().toISOString(),
      status: 'idle',
      url: null,
      batch: { file: 'prompts.txt', key: `line-${id}` },
    }),
    (id: string) => ({ id, status: 'processing' }),
    (id: string) => ({ id, status: 'done', url: `https://storage.example/${id}.mp4` }),
  ];
  for (const phase of phases) {
    for (const id of ids) await journal.record(phase(id));
  }
}
