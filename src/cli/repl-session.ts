/**
 * The REPL itself (`rvbbit repl`, registered in repl-command.ts): statements
 * end with `;` and may span lines; `.help`, `.timer on|off`,
 * `.mode table|csv|json|ndjson`, `.quit`. Tab completes keywords from the
 * grammar. Ctrl-C cancels the running statement and the REPL stays open;
 * Ctrl-C again (or Ctrl-D) exits.
 */
import { createInterface, type Interface } from 'node:readline';
import { complete } from '../../grammar/index.js';
import type { Session } from '../engine/session.js';
import { isOutputFormat, type OutputFormat } from '../output/output-format.js';
import { readCliConfig } from './cli-config.js';
import { engineFromFlags } from './engine-flags.js';
import { printError } from './print-error.js';
import type { ReplFlags } from './repl-command.js';
import { appendHistory, historyFile, loadHistory } from './repl-history.js';
import { runAndPrint } from './statement-printer.js';

const HELP = `Statements end with ';' and may span several lines.
  .help                          this text
  .timer on|off                  print each statement's time
  .mode table|csv|json|ndjson    output format
  .quit                          leave (or Ctrl-D)
Ctrl-C cancels the running statement; Ctrl-C on an empty prompt twice exits.
`;

export async function runRepl(flags: ReplFlags, debug: boolean): Promise<void> {
  let engine: Awaited<ReturnType<typeof engineFromFlags>>;
  try {
    engine = await engineFromFlags(flags, readCliConfig());
  } catch (err) {
    printError(err, debug);
    process.exitCode = 1;
    return;
  }
  const session = await engine.session();
  try {
    await repl(session, flags.format, debug, engine.answeredBy);
  } finally {
    session.close();
    await engine.close();
  }
}

/** Completions for the word before the cursor, from the grammar. */
export function completer(pending: string) {
  return (line: string): [string[], string] => {
    const text = pending + line;
    const word = /[A-Za-z_]*$/.exec(line)?.[0] ?? '';
    const labels = complete(text, text.length).map((c) => c.label);
    const hits = [...new Set(labels.filter((l) => l.toLowerCase().startsWith(word.toLowerCase())))];
    return [hits, word];
  };
}

async function repl(
  session: Session,
  initial: OutputFormat,
  debug: boolean,
  answeredBy: string,
): Promise<void> {
  const file = historyFile();
  const tty = Boolean(process.stdin.isTTY);
  let buffer = '';
  let format = initial;
  let timer = false;
  let running: AbortController | undefined;
  let interrupts = 0;
  const rl: Interface = createInterface({
    input: process.stdin,
    output: process.stdout,
    terminal: tty,
    history: loadHistory(file),
    historySize: 1000,
    completer: (line: string) => completer(buffer)(line),
  });
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
    interrupts++;
    if (interrupts >= 2 || (!tty && buffer === '')) {
      rl.close();
      return;
    }
    buffer = '';
    process.stdout.write('\n(Ctrl-C again to exit)\n');
    prompt();
  };
  rl.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  if (tty) process.stdout.write(`rvbbit repl — LLM calls answered by ${answeredBy}. Type .help for help.\n`);
  prompt();
  const dot = (cmd: string): boolean => {
    const [name, arg] = cmd.trim().split(/\s+/);
    switch (name) {
      case '.help':
        process.stdout.write(HELP);
        return true;
      case '.timer':
        if (arg !== 'on' && arg !== 'off') process.stderr.write('usage: .timer on|off\n');
        else timer = arg === 'on';
        return true;
      case '.mode':
        if (arg === undefined || !isOutputFormat(arg))
          process.stderr.write('usage: .mode table|csv|json|ndjson\n');
        else format = arg;
        return true;
      case '.quit':
      case '.exit':
        return false;
      default:
        process.stderr.write(`unknown command ${name}; try .help\n`);
        return true;
    }
  };
  const run = async (sql: string) => {
    appendHistory(file, sql);
    running = new AbortController();
    try {
      await runAndPrint(session, sql, { format, signal: running.signal, timer });
    } catch (err) {
      printError(err, debug);
    } finally {
      running = undefined;
    }
  };
  for await (const line of rl) {
    interrupts = 0;
    if (buffer === '' && line.trim().startsWith('.')) {
      if (!dot(line)) break;
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
