/** Writes a suite result: `<name>.json` (every run, the machine), `<name>.md`, `<name>-<chart>.svg`. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { efficiencyChart, renderSvg, speedupChart, throughputChart } from './charts.js';
import type { SuiteResult } from './records.js';
import { renderMarkdown } from './report-md.js';

export interface OutputFiles {
  readonly json: string;
  readonly markdown: string;
  readonly charts: readonly string[];
}

export async function writeOutputs(result: SuiteResult, dir: string): Promise<OutputFiles> {
  await mkdir(dir, { recursive: true });
  const json = join(dir, `${result.name}.json`);
  const markdown = join(dir, `${result.name}.md`);
  await writeFile(json, `${JSON.stringify(result, null, 2)}\n`);
  await writeFile(markdown, renderMarkdown(result));
  const charts: string[] = [];
  const specs = {
    speedup: speedupChart(result.cells),
    efficiency: efficiencyChart(result.cells),
    throughput: throughputChart(result.cells),
  };
  for (const [chart, spec] of Object.entries(specs)) {
    if (!spec) continue;
    const file = join(dir, `${result.name}-${chart}.svg`);
    await writeFile(file, await renderSvg(spec));
    charts.push(file);
  }
  return { json, markdown, charts };
}
