/**
 * MAP output names. The columns a MAP adds (its result columns and `_error`)
 * keep the names the statement gave them; an input column with one of those
 * names (as DuckDB compares names, ignoring case) comes out renamed
 * `<name>_input` (`<name>_input_2`, … when that is taken too). DuckDB's own
 * rule for a repeated name (`result`, `result_1`) would hand the answer's
 * name to the input's value; an error would refuse the common re-MAP of a
 * table an earlier MAP wrote. The cascade still sees the input by its own
 * name (`{{ input.result }}`), and cache keys are unchanged.
 * @see ../../docs/dialect.md ("Name clashes")
 */

import { ERROR_COLUMN } from './map-output.js';
import type { MapOutput } from './plan-map.js';

export const INPUT_SUFFIX = '_input';

/** The names of the columns a MAP adds, in output order: its result columns, then `_error`. */
export function addedNames(output: MapOutput): string[] {
  const results = output.kind === 'single' ? [output.name] : output.columns.map((c) => c.name);
  return [...results, ERROR_COLUMN];
}

/** The input columns' names in the output: each clash with an added column renamed. */
export function inputNamesOut(inputNames: readonly string[], output: MapOutput): string[] {
  const added = addedNames(output);
  const addedKeys = new Set(added.map(key));
  const taken = new Set([...inputNames, ...added].map(key));
  return inputNames.map((name) => {
    if (!addedKeys.has(key(name))) return name;
    let renamed = `${name}${INPUT_SUFFIX}`;
    for (let n = 2; taken.has(key(renamed)); n++) renamed = `${name}${INPUT_SUFFIX}_${n}`;
    taken.add(key(renamed));
    return renamed;
  });
}

function key(name: string): string {
  return name.toLowerCase();
}
