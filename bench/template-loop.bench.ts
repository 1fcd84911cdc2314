/**
 * `node --import tsx bench/template-loop.bench.ts`: what a legit 10,000-iteration
 * loop costs to render on the main thread, in each template engine, against
 * that thread's render time bound (render-bounds.ts RENDER_MS_ON.main): the
 * first render of the process (cold: parsing, the JIT not yet warm) and the
 * median of ROUNDS renders after it, wall time (what the bound measures) and
 * CPU time of this process (what the render itself cost, whatever the rest of
 * a shared machine was doing). test/cascade/render-bounds.test.ts renders the
 * same templates on the main thread and fails if one overruns the bound.
 */
import { RENDER_MS_ON, RenderOverrun } from '../src/cascade/render-bounds.js';
import { compileTemplate, renderTemplate, type TemplateEngine } from '../src/cascade/templates.js';

const ROUNDS = 30;
const LOOPS: Record<TemplateEngine, string> = {
  jinja: '{% for i in range(10000) %}{{ i }},{% endfor %}',
  liquid: '{% for i in (0..9999) %}{{ i }},{% endfor %}',
};
const EXPECTED = Array.from({ length: 10_000 }, (_, i) => `${i},`).join('');

const cpuMs = (): number => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * One render from source (each round's source differs by a comment, so compileTemplate's cache
 * is bypassed and parsing counts); a render over the bound counts as Infinity.
 */
function once(engine: TemplateEngine, round: number): { wall: number; cpu: number } {
  const source = `${LOOPS[engine]}${engine === 'jinja' ? `{# ${round} #}` : `{% comment %}${round}{% endcomment %}`}`;
  const w0 = performance.now();
  const c0 = cpuMs();
  try {
    const text = renderTemplate(compileTemplate(source, engine), {}, () => undefined);
    if (text !== EXPECTED) throw new Error(`${engine}: the loop rendered ${text.length} characters`);
  } catch (err) {
    if (!(err instanceof RenderOverrun)) throw err;
    return { wall: Number.POSITIVE_INFINITY, cpu: Number.POSITIVE_INFINITY };
  }
  return { wall: performance.now() - w0, cpu: cpuMs() - c0 };
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;
const bound = RENDER_MS_ON.main;
for (const engine of ['jinja', 'liquid'] as const) {
  const cold = once(engine, -1);
  const warm = Array.from({ length: ROUNDS }, (_, r) => once(engine, r));
  const wall = median(warm.map((t) => t.wall));
  const cpu = median(warm.map((t) => t.cpu));
  const overruns = warm.filter((t) => t.wall === Number.POSITIVE_INFINITY).length;
  console.log(
    `${engine}: cold ${cold.wall.toFixed(1)} ms (${(cold.wall / bound).toFixed(2)} of the ${bound} ms bound); ` +
      `warm median ${wall.toFixed(1)} ms wall (${(wall / bound).toFixed(3)} of it), ${cpu.toFixed(1)} ms CPU, ` +
      `over ${ROUNDS}; ${overruns} overran the bound`,
  );
}
