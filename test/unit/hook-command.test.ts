import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isVeoError } from '../../src/core/errors.js';
import { hookCommandLine, hookEnvironment } from '../../src/task/hook-command.js';

describe('hookCommandLine (sh)', () => {
  const cases: [string, string][] = [
    ['ffprobe {path}', 'ffprobe "${VEO_PATH}"'],
    ['cp {path} {path}.bak', 'cp "${VEO_PATH}" "${VEO_PATH}".bak'],
    ['echo "got {prompt}!"', 'echo "got ${VEO_PROMPT}!"'],
    ["echo 'got {prompt}!'", `echo 'got '"\${VEO_PROMPT}"'!'`],
    [`echo "it's {id}"`, `echo "it's \${VEO_ID}"`],
    [`echo 'say "{url}"'`, `echo 'say "'"\${VEO_URL}"'"'`],
    ['echo \\{path}', 'echo \\{path}'],
    ['echo \\"{sha256}', 'echo \\""${VEO_SHA256}"'],
    ['echo "a\\"{path}"', 'echo "a\\"${VEO_PATH}"'],
    ["echo 'a\\'{path}", `echo 'a\\'"\${VEO_PATH}"`],
    ['echo {{path}', 'echo {path}'],
    ['echo {{path}}', 'echo {path}}'],
    ['echo ${HOME} {a,b} {1..3}', 'echo ${HOME} {a,b} {1..3}'],
    ["awk '{print $1}' {path}", `awk '{print $1}' "\${VEO_PATH}"`],
    ['echo {path', 'echo {path'],
  ];
  for (const [template, line] of cases) {
    it(`turns ${template} into ${line}`, () => assert.equal(hookCommandLine(template, 'sh'), line));
  }

  for (const template of ['echo {pth}', 'echo {PATH}', "echo '{prompts}'"]) {
    it(`refuses the unknown field in ${template} as a usage error`, () => {
      assert.throws(
        () => hookCommandLine(template, 'sh'),
        (error: unknown) => isVeoError(error) && error.kind === 'usage' && error.code === 'BAD_HOOK',
      );
    });
  }
});

describe('hookCommandLine (cmd)', () => {
  it('uses delayed expansion, quoted where the placeholder is outside quotes', () => {
    assert.equal(hookCommandLine('copy {path} "x {id}"', 'cmd'), 'copy "!VEO_PATH!" "x !VEO_ID!"');
  });
  it('leaves a ^-escaped brace and backslashes alone', () => {
    assert.equal(hookCommandLine('echo ^{path} C:\\x\\{id}', 'cmd'), 'echo ^{path} C:\\x\\"!VEO_ID!"');
  });
});

// The values a hook receives, whatever they hold, reach it as exactly one argument with exactly these bytes.
const HOSTILE = [
  'plain',
  'with spaces  and  runs',
  `it's "quoted" \\ back\\slash`,
  '$(touch pwned) `touch pwned` ${HOME} $HOME',
  "'; touch pwned; echo '",
  '"; touch pwned; echo "',
  'new\nline\ttab',
  '*?[a] ~ {a,b} -n',
  '',
];

describe('hook values through a real shell', () => {
  const templates = ["printf '[%s]' {prompt}", `printf '[%s]' "{prompt}"`, `printf '[%s]' '{prompt}'`];
  for (const template of templates) {
    it(`keeps every value one argument in ${template}`, () => {
      const dir = mkdtempSync(join(tmpdir(), 'veo-hook-'));
      for (const value of HOSTILE) {
        const env = hookEnvironment({ path: 'p', id: 'i', prompt: value, url: 'u', sha256: 's' });
        const printed = execFileSync('/bin/sh', ['-c', hookCommandLine(template, 'sh')], {
          encoding: 'utf8',
          env: { PATH: process.env.PATH, HOME: '/nowhere', ...env },
          cwd: dir,
        });
        assert.equal(printed, `[${value}]`);
      }
      assert.deepEqual(readdirSync(dir), [], 'no value ran as a command');
      rmSync(dir, { recursive: true });
    });
  }
});
