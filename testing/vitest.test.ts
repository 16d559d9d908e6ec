import { describe, expect, it } from 'vitest';
// Through the package's own export, as a user's project imports it.
import { clockcheckMatchers } from 'clockcheck/vitest';
import peterson from '../examples/peterson.js';
import lostUpdate from '../examples/lostUpdate.js';
import { kvmModels } from '../specs/kvm.js';

expect.extend(clockcheckMatchers);

describe('expect(model).toHold(property)', () => {
  it('passes when the property holds, and .not passes when it is violated', () => {
    expect(peterson).toHold('mutualExclusion');
    expect(peterson).not.toHold('mutualExclusion', { params: { swapped: 1 } });
    expect(lostUpdate).not.toHold('xNeverDecreases', { params: { limit: 2 } });
    expect(lostUpdate).toHold('xBounded', { params: { limit: 2 }, symmetry: true });
  });

  it('a violation fails with the counterexample, step by step', () => {
    let message = '';
    try {
      expect(peterson).toHold('mutualExclusion', { params: { swapped: 1 } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n').slice(0, 3)).toEqual([
      'expected mutualExclusion to hold in peterson (swapped=1), but it is violated:',
      '',
      'peterson: counterexample to invariant mutualExclusion, 6 steps',
    ]);
    expect(message).toMatch(/\n {4}1 {2}request\(0\) +proc\[0\]\.pc=setFlag turn=1\n/);
    expect(message).toMatch(/\n {4}6 {2}enter\(0\) +proc\[0\]\.pc=critical <- violates mutualExclusion$/);
  });

  it('.not on a property that holds fails and says how many states it holds in', () => {
    expect(() => expect(peterson).not.toHold('mutualExclusion')).toThrow(
      'expected mutualExclusion to be violated in peterson (swapped=0), but it holds in all 20 reachable states',
    );
  });

  it('a KVM design: v3-fixed keeps MONOTONIC from going back, v3 does not', () => {
    const byName = new Map(kvmModels.map((m) => [m.name, m]));
    expect(byName.get('v3-fixed')).toHold('monoNoRewind', { params: { suspends: 1 } });
    expect(byName.get('v3')).not.toHold('monoNoRewind', { params: { suspends: 2 } });
  });

  it('liveness too: v3 starves a vCPU in its retry loop, v3-fixed does not, and the failure shows the loop', () => {
    const byName = new Map(kvmModels.map((m) => [m.name, m]));
    expect(byName.get('v3-fixed')).toHold('vcpuEventuallyEnters', { params: { suspends: 1 } });
    let message = '';
    try {
      expect(byName.get('v3')).toHold('vcpuEventuallyEnters', { params: { suspends: 1 } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('v3: counterexample to leadsTo vcpuEventuallyEnters, 6+4 steps (a loop of 4 back to step 6, forever)');
    expect(message).toMatch(/\n\| +8 {2}vcpuExit\(1\)|\n\| +8 {2}vcpuRun\(0\)|\n\| +8 /);
  });

  it('no verdict within a bound fails either way, saying why', () => {
    const why = /mutualExclusion has no verdict in peterson \(swapped=0\): the search stopped early \(depth\)/;
    expect(() => expect(peterson).toHold('mutualExclusion', { maxDepth: 2 })).toThrow(why);
    expect(() => expect(peterson).not.toHold('mutualExclusion', { maxDepth: 2 })).toThrow(why);
  });

  it('an unknown property, a bad parameter or something that is not a model: a clear error', () => {
    expect(() => expect(peterson).toHold('nope')).toThrow('model peterson has no property nope (it has: mutualExclusion, waitLeadsToCritical, deadlock)');
    expect(() => expect(peterson).toHold('mutualExclusion', { params: { swapped: 5 } })).toThrow('parameter swapped=5 is out of range for model peterson (0..1)');
    expect(() => expect({ name: 'x' }).toHold('p')).toThrow('toHold: expected a model (the value defineModel returns), got object');
  });
});
