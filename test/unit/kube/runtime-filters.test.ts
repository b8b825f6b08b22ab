// Three node scripts name the container runtimes' commands in shell (list a static pod's containers
// by the kubelet's label, read one's start time) beside RUNTIMES, the data the modules run them from.
// Handing each script the argv from RUNTIMES would take an argv-list protocol in sh for little gain;
// this test keeps the shell copies equal to the data instead (quotes aside).
import { describe, expect, it } from 'vitest';
import { NODE_FACTS_SCRIPT, SERVED_FACTS_SCRIPT } from '../../../src/kube/node-scripts.js';
import { RUNTIMES, type RuntimeName } from '../../../src/kube/runtime.js';
import { COMPONENT_STARTS_SCRIPT } from '../../../src/kube/scripts/components.js';

const unquoted = (text: string): string => text.replace(/["']/g, '');
const runtimes = Object.keys(RUNTIMES) as RuntimeName[];

describe.each(runtimes)('the node scripts run %s as RUNTIMES says', (runtime) => {
  const rt = RUNTIMES[runtime];
  const expectCommand = (script: string, argv: string[]): void => {
    expect(unquoted(script)).toContain(argv.join(' '));
  };

  it('node facts: lists the kube-apiserver containers to detect the runtime', () => {
    expectCommand(NODE_FACTS_SCRIPT, rt.listIds('kube-apiserver'));
  });

  it('served facts: lists the kube-apiserver containers and inspects one', () => {
    expectCommand(SERVED_FACTS_SCRIPT, rt.listIds('kube-apiserver'));
    expectCommand(SERVED_FACTS_SCRIPT, rt.inspect('$id'));
  });

  it("component starts: lists each component's containers and inspects one", () => {
    expectCommand(COMPONENT_STARTS_SCRIPT, rt.listIds('$c'));
    expectCommand(COMPONENT_STARTS_SCRIPT, rt.inspect('$id'));
  });
});
