/**
 * format(): AST → canonical dialect text. Keywords upper-case, MAP modifiers
 * in the order PARALLEL, DISTINCT, BATCH, WITH options in WITH_KEYS order;
 * passthrough SQL and USING bodies are written exactly as parsed.
 * `parse(format(ast))` gives back the same AST (spans aside).
 */
import { formatAnnotation } from './annotations.js';
import type * as A from './ast.js';
import type { ParseResult } from './parse.js';
import { WITH_KEYS, type WithOption } from './statement-options.js';

/** Formats one statement, a list of statements, or a parse result. */
export function format(ast: A.Statement | readonly A.Statement[] | ParseResult): string {
  const list: readonly A.Statement[] = Array.isArray(ast)
    ? ast
    : 'statements' in (ast as ParseResult)
      ? (ast as ParseResult).statements
      : [ast as A.Statement];
  return list.map(formatStatement).join('\n\n');
}

function formatStatement(s: A.Statement): string {
  const notes = s.annotations
    .filter((a) => !afterExplain(s, a))
    .map((a) => `${formatAnnotation(a)}\n`)
    .join('');
  return `${notes}${body(s)};`;
}

/**
 * An annotation written between EXPLAIN and the statement it explains (its
 * span inside the statement's): it stays there. Passthrough text holds it
 * already; EXPLAIN of a MAP or RUN writes it after `EXPLAIN`.
 */
function afterExplain(s: A.Statement, a: A.Annotation): boolean {
  return a.span !== undefined && s.span !== undefined && a.span.start > s.span.start;
}

function body(s: A.Statement): string {
  switch (s.kind) {
    case 'MapStatement':
      return formatMap(s);
    case 'RunStatement':
      return formatRun(s);
    case 'ExplainStatement': {
      const fmt = s.format ? ` (FORMAT ${s.format})` : '';
      const target = s.target.kind === 'MapStatement' ? formatMap(s.target) : formatRun(s.target);
      const after = s.annotations.filter((a) => afterExplain(s, a));
      const notes = after.map((a) => `\n${formatAnnotation(a)}`).join('');
      return `EXPLAIN${fmt}${notes}${notes ? '\n' : ' '}${target}`;
    }
    case 'CreateTableAsStatement':
      return `CREATE ${s.temporary ? 'TEMP ' : ''}TABLE ${s.table.map(ident).join('.')} AS ${formatMap(s.map)}`;
    case 'InsertMapStatement': {
      const columns = s.columns ? ` (${s.columns.map(ident).join(', ')})` : '';
      return `INSERT INTO ${s.table.map(ident).join('.')}${columns}\n${formatMap(s.map)}`;
    }
    case 'CopyMapStatement':
      return `COPY (${formatMap(s.map)}) TO ${quote(s.path)}${s.options ? ` ${s.options}` : ''}`;
    case 'SqlStatement':
    case 'CreateSemanticFunctionStatement':
    case 'DropSemanticFunctionStatement':
      return s.text;
  }
}

function formatMap(m: A.MapStatement): string {
  const head = ['RVBBIT MAP'];
  if (m.parallel) head.push(`PARALLEL ${m.parallel.value}`);
  if (m.distinct) head.push('DISTINCT');
  if (m.batch) head.push(`BATCH ${m.batch.value}`);
  head.push(quote(m.cascade.value));
  if (m.output?.kind === 'ResultColumn') head.push(`AS ${ident(m.output.name)}`);
  if (m.output?.kind === 'TypedColumns') head.push(`AS (${m.output.columns.map(column).join(', ')})`);
  return [head.join(' '), usingText(m.using), withText(m.with)].filter(Boolean).join('\n');
}

function formatRun(r: A.RunStatement): string {
  const head = `RVBBIT RUN${r.async ? ' ASYNC' : ''} ${quote(r.cascade.value)}`;
  return [head, usingText(r.using), withText(r.with)].filter(Boolean).join('\n');
}

const usingText = (u: A.UsingClause): string => `USING (${u.sql})`;

function withText(w: A.WithClause | null): string {
  if (!w) return '';
  const sorted = [...w.options].sort((a, b) => WITH_KEYS.indexOf(a.key) - WITH_KEYS.indexOf(b.key));
  return `WITH (${sorted.map((o) => `${o.key} = ${optionValue(o)}`).join(', ')})`;
}

function optionValue(o: WithOption): string {
  switch (o.key) {
    case 'cache':
      return o.value.ttl ? quote(o.value.ttl.text) : o.value.enabled ? 'TRUE' : 'FALSE';
    case 'timeout':
      return quote(o.value.text);
    case 'persist':
    case 'replace':
    case 'infer_schema':
      return o.value ? 'TRUE' : 'FALSE';
    case 'limit':
    case 'retries':
    case 'max_tokens':
    case 'budget_dollars':
    case 'budget_tokens':
      return String(o.value);
    default:
      return quote(o.value);
  }
}

function column(c: A.ColumnDef): string {
  const t = c.type;
  const args =
    t.precision === null ? '' : t.scale === null ? `(${t.precision})` : `(${t.precision}, ${t.scale})`;
  return `${ident(c.name)} ${t.name}${args}`;
}

const quote = (s: string): string => `'${s.replace(/'/g, "''")}'`;

const ident = (i: A.Identifier): string => (i.quoted ? `"${i.name.replace(/"/g, '""')}"` : i.name);
