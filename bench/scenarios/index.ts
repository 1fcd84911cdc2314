/** Every workload by name; `--scenario <name>` picks one. `smoke` only runs when asked for. */
import { filterScenario } from './filter.js';
import { joinScenario } from './join.js';
import { mapScenario, smokeScenario } from './map.js';
import type { Scenario } from './scenario.js';
import { scoreScenario } from './score.js';

export const SCENARIOS: readonly Scenario[] = [mapScenario, filterScenario, scoreScenario, joinScenario];
const EXTRA: readonly Scenario[] = [smokeScenario];

/** The named scenarios, or all the default ones; throws on an unknown name. */
export function pickScenarios(names: readonly string[] | undefined): Scenario[] {
  if (!names || names.length === 0) return [...SCENARIOS];
  const all = [...SCENARIOS, ...EXTRA];
  return names.map((name) => {
    const s = all.find((x) => x.name === name);
    if (!s) throw new Error(`unknown scenario '${name}' (known: ${all.map((x) => x.name).join(', ')})`);
    return s;
  });
}
