#!/usr/bin/env node
// bin/ is CommonJS (see bin/package.json); the simulator is an ES module.
import('../dist/sim/main.js');
