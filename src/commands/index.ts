import { auth } from './auth/index.js';
import { balance } from './balance/index.js';
import { batch } from './batch/index.js';
import { completion } from './completion/index.js';
import { config } from './config/index.js';
import { create } from './create/index.js';
import type { CommandDeclaration } from './declaration.js';
import { download } from './download/index.js';
import { gallery } from './gallery/index.js';
import { inspect } from './inspect/index.js';
import { list } from './list/index.js';
import { models } from './models/index.js';
import { rerun } from './rerun/index.js';
import { result } from './result/index.js';
import { spend } from './spend/index.js';
import { sync } from './sync/index.js';
import { wait } from './wait/index.js';

/** Every command, in the order the help lists them. */
export const COMMANDS: readonly CommandDeclaration<never>[] = [
  create,
  result,
  wait,
  download,
  auth,
  list,
  sync,
  batch,
  gallery,
  inspect,
  rerun,
  models,
  balance,
  spend,
  config,
  completion,
];
