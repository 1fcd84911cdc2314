/**
 * Turns a schema-valid cascade document into Cascade data: legacy keys mapped,
 * defaults filled, and the checks a JSON Schema cannot express (one tool, no
 * duplicate names, loop_until naming a boolean field, operator forms).
 */
import { CascadeErrorCode, type CascadeProblem } from './cascade-error.js';
import type { Cascade, Cell, CellTakes, ToolName } from './cascade-types.js';
import { TOOL_NAMES } from './cascade-types.js';
import { normalizeSqlFunction } from './normalize-sql-function.js';
import { templateEngineOf } from './template-engine.js';
import { type FieldPath, formatPath, type Problem, type YamlSource } from './yaml-source.js';

type Raw = Record<string, unknown>;
type RawCell = Raw & { name: string };

const TOOL_KEYS = ['tool', 'tackle', 'traits', 'skills'] as const;
const TAKES_KEYS = ['takes', 'soundings', 'candidates'] as const;
const LLM_ONLY_KEYS = ['model', 'output_schema', 'rules', 'takes', 'soundings', 'candidates'] as const;

export interface Normalized {
  readonly cascade: Omit<Cascade, 'file' | 'contentHash'>;
  readonly problems: CascadeProblem[];
}

export function normalizeCascade(raw: Raw, source: YamlSource, file: string): Normalized {
  const problems: CascadeProblem[] = [];
  const warnings: string[] = [];
  const problem = (path: FieldPath, what: string, atKey = false): void => {
    const at = atKey ? source.keyPositionOf(path) : source.positionOf(path);
    problems.push({ code: CascadeErrorCode.Schema, file, ...at, path: formatPath(path), what });
  };

  const warn = (path: FieldPath, what: string): void => {
    const at = source.positionOf(path);
    warnings.push(`${at.line}:${at.column}: ${formatPath(path)}: ${what}`);
  };

  let cellsKey: 'cells' | 'phases' = 'cells';
  if ('cells' in raw && 'phases' in raw) {
    problem(['phases'], '"phases" is the legacy name of "cells": use one, not both', true);
  } else if ('phases' in raw) {
    cellsKey = 'phases';
    warnings.push('"phases" is a legacy name: use "cells"');
  } else if (!('cells' in raw)) {
    problem([], 'missing required key "cells"');
  }
  const rawCells = (raw[cellsKey] ?? []) as RawCell[];

  const cells: Cell[] = [];
  const firstByName = new Map<string, number>();
  rawCells.forEach((c, index) => {
    const at: FieldPath = [cellsKey, index];
    const prior = firstByName.get(c.name);
    if (prior !== undefined) {
      problem([...at, 'name'], `duplicate cell name "${c.name}" (first used by ${cellsKey}[${prior}])`);
    } else {
      firstByName.set(c.name, index);
    }
    const hasInstructions = 'instructions' in c;
    // Beside instructions, larsql's tackle/traits/skills list the tools the model may call: kept as
    // a warning, not acted on (rvbbit's model calls carry no tools); without instructions they name the cell's tool.
    const modelTools = hasInstructions ? TOOL_KEYS.filter((k) => k !== 'tool' && k in c) : [];
    for (const k of modelTools)
      warn([...at, k], 'tools the model may call are not supported: the cell runs without them');
    const toolKeys = TOOL_KEYS.filter((k) => k in c && !modelTools.includes(k));
    const takesKeys = TAKES_KEYS.filter((k) => k in c);
    if (toolKeys.length > 1)
      problem([...at, toolKeys[1]!], `use one of ${TOOL_KEYS.join(', ')}, not several`, true);
    if (takesKeys.length > 1) {
      problem([...at, takesKeys[1]!], `use one of ${TAKES_KEYS.join(', ')}, not several`, true);
    }
    for (const k of [...toolKeys, ...takesKeys]) {
      if (k !== 'tool' && k !== 'takes') warnings.push(`${formatPath([...at, k])} is a legacy name`);
    }
    if (toolKeys.length > 0 && hasInstructions) {
      problem(at, 'a cell has "instructions" or "tool", not both');
      return;
    }
    if (toolKeys.length === 0 && !hasInstructions) {
      problem(at, 'a cell needs "instructions" or "tool"');
      return;
    }
    if (toolKeys.length > 0) {
      const key = toolKeys[0]!;
      const value = c[key] as string | string[];
      const names = typeof value === 'string' ? [value] : value;
      if (names.length !== 1) {
        problem([...at, key], `a cell runs exactly one tool (got ${names.length})`);
        return;
      }
      const tool = names[0]!;
      if (!(TOOL_NAMES as readonly string[]).includes(tool)) {
        problem([...at, key], `unknown tool "${tool}" (known tools: ${TOOL_NAMES.join(', ')})`);
        return;
      }
      for (const k of LLM_ONLY_KEYS) {
        if (k in c) problem([...at, k], `"${k}" applies only to a cell with instructions`, true);
      }
      cells.push({
        kind: 'tool',
        name: c.name,
        index,
        tool: tool as ToolName,
        inputs: (c['inputs'] as Raw | undefined) ?? {},
      });
      return;
    }
    if ('inputs' in c) problem([...at, 'inputs'], '"inputs" applies only to a tool cell', true);
    const rules = (c['rules'] as Raw | undefined) ?? {};
    const outputSchema = c['output_schema'] as Raw | undefined;
    const loopUntil = rules['loop_until'] as string | undefined;
    if (loopUntil !== undefined)
      checkLoopUntil([...at, 'rules', 'loop_until'], loopUntil, outputSchema, problem);
    const rawTakes = takesKeys.length > 0 ? (c[takesKeys[0]!] as Raw) : undefined;
    const takes: CellTakes | undefined = rawTakes && {
      factor: rawTakes['factor'] as number,
      ...(rawTakes['evaluator_instructions'] !== undefined
        ? { evaluatorInstructions: rawTakes['evaluator_instructions'] as string }
        : {}),
    };
    cells.push({
      kind: 'llm',
      name: c.name,
      index,
      instructions: c['instructions'] as string,
      ...(c['model'] !== undefined ? { model: c['model'] as string } : {}),
      ...(outputSchema !== undefined ? { outputSchema } : {}),
      rules: {
        maxAttempts: (rules['max_attempts'] as number | undefined) ?? 2,
        maxTurns: (rules['max_turns'] as number | undefined) ?? 1,
        ...(loopUntil !== undefined ? { loopUntil } : {}),
      },
      ...(takes ? { takes } : {}),
    });
  });

  const sqlFunction = raw['sql_function']
    ? normalizeSqlFunction(raw['sql_function'] as Raw, problem, warn)
    : undefined;
  const cascade = {
    cascadeId: raw['cascade_id'] as string,
    ...(raw['description'] !== undefined ? { description: raw['description'] as string } : {}),
    inputsSchema: (raw['inputs_schema'] as Record<string, string> | undefined) ?? {},
    cells,
    ...(raw['model'] !== undefined ? { model: raw['model'] as string } : {}),
    ...(sqlFunction ? { sqlFunction } : {}),
    ...(raw['internal'] === true ? { internal: true } : {}),
    templateEngine: templateEngineOf(raw, rawCells),
    loadWarnings: warnings,
  };
  return { cascade, problems };
}

/** Records a problem at a field path (at its key with `atKey`). */
function checkLoopUntil(path: FieldPath, field: string, schema: Raw | undefined, problem: Problem): void {
  const props = schema?.['properties'];
  const prop =
    props && typeof props === 'object'
      ? (props as Record<string, Record<string, unknown>>)[field]
      : undefined;
  if (!schema) {
    problem(path, `loop_until names "${field}", but the cell has no output_schema to define it`);
  } else if (!prop || typeof prop !== 'object') {
    problem(path, `loop_until names "${field}", which is not a property of output_schema`);
  } else if (prop['type'] !== undefined && prop['type'] !== 'boolean') {
    problem(path, `loop_until names "${field}", which output_schema does not declare as a boolean`);
  }
}
