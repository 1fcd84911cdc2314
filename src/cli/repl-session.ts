/**
 * The REPL itself (`rvbbit repl`, registered in repl-command.ts): statements
 * end with `;` and may span lines; commands (repl-commands.ts: `.help`,
 * `.tables`, `.schema`, `\dt`, `\d t`, `.mode`, `.timer`, `\q` …) where a
 * statement would start. Tab completes from the grammar, the session's
 * catalog and the cascade roots (repl-completion.ts); the catalog is read on
 * the first Tab, not before the first prompt. Ctrl-C cancels the running
 * statement and the REPL stays open; while typing it drops the line and the
 * statement so far, as psql does; on an empty prompt, twice (or Ctrl-D) exits.
 */
import { createInterface, type Interface } from 'node:readline';
import { readCliConfig } from '../config/cli-config.js';
import type { Engine } from '../engine/engine.js';
import type { Session } from '../engine/session.js';
import type { OutputFormat } from '../output/output-format.js';
import { type EngineFlags, engineFromFlags } from './engine-flags.js';
import { printError } from './print-error.js';
import { changesCatalog, ReplCatalog } from './repl-catalog.js';
import { type CommandContext, isCommandLine, runCommand } from './repl-commands.js';
import { type CompletionSources, completeLine } from './repl-completion.js';
import { appendHistory, historyFile, loadHistory, StatementHistory } from './repl-history.js';
import { runAndPrint } from './statement-printer.js';

export interface ReplFlags extends EngineFlags {
  format: OutputFormat;
  /** false with --no-cost: the REPL starts with `.cost off`. */
  cost?: boolean;
}

export async function runRepl(flags: ReplFlags, debug: boolean): Promise<void> {
  let engine: Engine;
  try {
    engine = await engineFromFlags(flags, readCliConfig());
  } catch (err) {
    printError(err, debug);
    process.exitCode = 1;
    return;
  }
  const session = await engine.session();
  try {
    await repl(engine, session, flags, debug);
  } finally {
    session.close();
    await engine.close();
  }
}

/** The parts of node:readline's Interface that Node's own REPL uses on Ctrl-C (lib/repl.js), absent from its types. */
interface InterruptibleLine {
  /** Moves past the typed text, starts a new screen line and empties readline's line (lib/internal/readline/interface.js). */
  clearLine?: () => void;
  /** Where up-arrow is in the history; -1: not walking it. */
  historyIndex?: number;
}

/**
 * Readline only emits 'SIGINT' on Ctrl-C: the text on the line (typed, or
 * brought back by up-arrow) stays in it and the next keys add to it. Leave it
 * on the screen as typed, as psql does, and start the next line empty and out
 * of the history walk.
 */
function clearTypedLine(rl: Interface): void {
  const line = rl as Interface & InterruptibleLine;
  if (typeof line.clearLine === 'function') line.clearLine();
  else {
    // The documented way (readline's rl.write with key sequences): to the end, then delete to the start.
    rl.write(null, { ctrl: true, name: 'e' });
    rl.write(null, { ctrl: true, name: 'u' });
    process.stdout.write('\n');
  }
  if (typeof line.historyIndex === 'number') line.historyIndex = -1;
}

/** What Tab completes from, for this engine and session (nothing is read until used). */
export function completionSources(engine: Engine, catalog: ReplCatalog): CompletionSources {
  const grammar = engine.grammar;
  return {
    complete: (sql, offset) => grammar.complete(sql, offset),
    catalog: () => catalog.get(),
    cascadeRoots: engine.cascadeRoots,
  };
}

async function repl(engine: Engine, session: Session, flags: ReplFlags, debug: boolean): Promise<void> {
  const file = historyFile();
  const tty = Boolean(process.stdin.isTTY);
  let buffer = '';
  let running: AbortController | undefined;
  let interrupts = 0;
  const ctx: CommandContext = {
    session,
    format: flags.format,
    timer: false,
    cost: flags.cost !== false,
    out: (text) => process.stdout.write(text),
    err: (text) => process.stderr.write(text),
  };
  const catalog = new ReplCatalog(
    session,
    engine.grammar.operators.map((o) => o.word),
  );
  const sources = completionSources(engine, catalog);
  const history = loadHistory(file);
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: tty,
    history,
    historySize: 1000,
    completer: (line: string, done: (err: Error | null, result: [string[], string]) => void) => {
      completeLine(sources, buffer === '' ? '' : `${buffer}\n`, line).then(
        (r) => done(null, r),
        () => done(null, [[], line]),
      );
    },
  });
  const statements = new StatementHistory(history, isCommandLine);
  if (tty) rl.on('line', (line) => statements.onLine(line));
  const prompt = () => {
    rl.setPrompt(buffer === '' ? 'rvbbit> ' : '   ...> ');
    if (tty) rl.prompt();
  };
  const onInterrupt = () => {
    if (running) {
      if (running.signal.aborted) process.exit(130);
      process.stderr.write('\ncancelling… (Ctrl-C again to quit)\n');
      running.abort();
      return;
    }
    const typed = rl.line !== '' || buffer !== '';
    if (tty) clearTypedLine(rl);
    buffer = '';
    statements.reset();
    if (typed) {
      // As psql: what was typed is dropped, a fresh prompt; only Ctrl-C on an empty prompt counts toward exiting.
      interrupts = 0;
      prompt();
      return;
    }
    interrupts++;
    if (interrupts >= 2 || !tty) {
      rl.close();
      return;
    }
    process.stdout.write('(Ctrl-C again to exit)\n');
    prompt();
  };
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  if (tty)
    process.stdout.write(`rvbbit repl — LLM calls answered by ${engine.answeredBy}. Type .help for help.\n`);
  prompt();
  const run = async (sql: string) => {
    appendHistory(file, sql);
    running = new AbortController();
    try {
      await runAndPrint(session, sql, {
        format: ctx.format,
        signal: running.signal,
        timer: ctx.timer,
        cost: ctx.cost,
      });
    } catch (err) {
      printError(err, debug);
    } finally {
      running = undefined;
      if (changesCatalog(sql)) catalog.markStale();
    }
  };
  for await (const line of rl) {
    interrupts = 0;
    if (buffer === '' && isCommandLine(line)) {
      if ((await runCommand(ctx, line)) === 'quit') break;
      prompt();
      continue;
    }
    buffer += buffer === '' ? line : `\n${line}`;
    if (buffer.trim() === '') {
      buffer = '';
    } else if (buffer.trimEnd().endsWith(';')) {
      const sql = buffer;
      buffer = '';
      await run(sql);
    }
    prompt();
  }
  if (buffer.trim() !== '') await run(buffer);
  process.off('SIGINT', onInterrupt);
  rl.close();
}
