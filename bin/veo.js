#!/usr/bin/env node
// CommonJS (bin/package.json says so): Node starts a CommonJS entry several milliseconds sooner than an ES module,
// which is most of what `veo --version` costs beyond Node itself.
require('../dist/cli.cjs');
