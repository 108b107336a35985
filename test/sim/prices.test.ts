import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startSim } from '../../src/sim/index.js';
import { parseCli, UsageError } from '../../src/sim/cli-args.js';
import { call } from './helpers.js';

describe('veo-sim prices', () => {
  it('a price set for a model is the one listed and the one a create takes off the balance', async () => {
    const sim = await startSim({ balance: 100, prices: { 'glabs-veo-3-1-lite': 12.34 } });
    try {
      const { json } = await call(sim, '/v1/media/models');
      const models = json.models as { id: string; price: number }[];
      assert.equal(models.find((m) => m.id === 'glabs-veo-3-1-lite')?.price, 12.34);
      assert.equal(models.find((m) => m.id === 'glabs-veo-3-1-fast')?.price, 49, 'the others keep their price');
      const created = await call(sim, '/v1/media/create', { body: { model: 'glabs-veo-3-1-lite', prompt: 'x' } });
      assert.equal(created.json.code, 0);
      assert.equal(sim.options.balance, 87.66);
      sim.configure({ prices: null });
      const listed = (await call(sim, '/v1/media/models')).json.models as { id: string; price: number }[];
      assert.equal(listed.find((m) => m.id === 'glabs-veo-3-1-lite')?.price, 30, 'back to the listed price');
      assert.throws(() => sim.configure({ prices: { 'glabs-veo-3-1-lite': -1 } }), /prices\.glabs-veo-3-1-lite/);
    } finally {
      await sim.close();
    }
  });

  it('--price ID=RUBLES is repeatable; a value without = or below zero is refused', () => {
    const parsed = parseCli(['--price', 'glabs-veo-3-1-lite=12.34', '--price', 'glabs-veo-3=1']);
    assert.equal(parsed.action, 'run');
    assert.deepEqual(parsed.action === 'run' ? parsed.options.prices : undefined, {
      'glabs-veo-3-1-lite': 12.34,
      'glabs-veo-3': 1,
    });
    assert.throws(() => parseCli(['--price', 'glabs-veo-3-1-lite']), UsageError);
    assert.throws(() => parseCli(['--price', 'glabs-veo-3-1-lite=-2']), UsageError);
  });
});
