/**
 * The simulated node reads the bot's scripts' inputs on its own (src/sim/host/script-inputs.ts);
 * this keeps that reading and the engine's validators (src/engine/node-scripts.ts) in step, so a
 * script change on one side fails here instead of silently diverging. Generated values cover the
 * edges of every check; any disagreement prints the script, parameter and value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  HOST_FIREWALL_BUDGET, MAX_PROBE_TARGETS, NODE_SCRIPTS, PROBE_DETAIL_BUDGET, scriptHeaderId, scriptParameterNames, scriptRejectsParameter, splitTargets, type NodeScriptId,
} from '../../../src/engine/node-scripts.js';
import { FIREWALL_BUDGET, MAX_TARGETS, PROBE_DETAIL_BYTES, SCRIPT_IDS, headerId, refusedParameter, targetsOf } from '../../../src/sim/host/script-inputs.js';

const ids = Object.keys(NODE_SCRIPTS) as NodeScriptId[];

const value = fc.oneof(
  fc.constantFrom('', '0', '1', '22', '65535', '65536', '10000', '10001', '010', 'INPUT', 'KUBE-FIREWALL', 'ufw-user-input', 'cali-INPUT', 'input', 'tcp', 'udp', 'TCP',
    '10.224.0.4', '10.224.0.0/16', '10.224.0.0/33', '256.1.1.1', '1.2.3', 'example.com', 'a.b', '-bad.com', 'x'.repeat(64) + '.com', '1.2.3.4.5', 'host name', '10.0.0.1,10.0.0.2', ' , '),
  fc.string({ maxLength: 12 }),
  fc.array(fc.constantFrom('10.0.0.1', '10.0.0.2', 'x'), { maxLength: 4 }).map((a) => a.join(',')),
);

describe('simulated node scripts: inputs read as the engine writes them', () => {
  it('knows the same scripts, budgets and headers', () => {
    expect([...SCRIPT_IDS].sort()).toEqual([...ids].sort());
    expect([FIREWALL_BUDGET, PROBE_DETAIL_BYTES, MAX_TARGETS]).toEqual([HOST_FIREWALL_BUDGET, PROBE_DETAIL_BUDGET, MAX_PROBE_TARGETS]);
    for (const id of ids) expect(headerId(NODE_SCRIPTS[id].lines.join('\n'))).toBe(scriptHeaderId(NODE_SCRIPTS[id].lines));
  });

  it('refuses the same parameter for generated values', () => {
    const env = fc.constantFrom(...ids).chain((id) =>
      fc.tuple(fc.constant(id), fc.tuple(...scriptParameterNames(id).map(() => value)).map((vs) => Object.fromEntries(scriptParameterNames(id).map((n, i) => [n, vs[i] as string])))),
    );
    fc.assert(
      fc.property(env, ([id, values]) => {
        const engine = scriptRejectsParameter(id, values);
        const sim = refusedParameter(id, values);
        if (engine !== sim) throw new Error(`script ${id} with ${JSON.stringify(values)}: engine refuses ${engine ?? 'nothing'}, simulator ${sim ?? 'nothing'}`);
        expect(targetsOf(values['TARGETS'] ?? '')).toEqual(splitTargets(values['TARGETS'] ?? ''));
      }),
      { numRuns: 800 },
    );
  });
});
