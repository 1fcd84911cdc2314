// One test process of scripts/run-tests.mjs: runs the test files the runner sends on stdin (one
// JSON line each, { name, file }), one at a time, each as uvu's own runner would (uvu's exec over
// that file's suites), and ends each file's output with a line the runner splits on, carrying
// whether uvu failed it and the CPU the file used. Run with `--import tsx --import ./scripts/uvu-hooks/register.mjs`, as
// uvu's bin was.
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/** The line that ends a file's output: `${FILE_DONE} <exit code uvu set> <CPU ms>`. */
export const FILE_DONE = '\u0001uvu-lane: file done';

/** Linux's clock ticks per second (USER_HZ), the unit of /proc's times. */
const TICKS_PER_S = 100;

/**
 * The CPU this process has used, in ms: all its threads (workers included) and its children
 * that have ended and been waited for (/proc/self/stat's cutime and cstime: the CLIs and servers
 * a test spawned), so a file's CPU against its wall time says whether it works or waits.
 */
function cpuMs() {
  const { user, system } = process.cpuUsage();
  let children = 0;
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5), counted from the state (field 3).
    children = ((Number(fields[13]) + Number(fields[14])) * 1000) / TICKS_PER_S;
  } catch {
    // Not Linux: the process's own CPU only.
  }
  return (user + system) / 1000 + children;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  // As uvu's bin: suites wait for exec instead of running when their file calls .run().
  globalThis.UVU_DEFER = 1;
  const uvu = await import('uvu');
  for await (const line of createInterface({ input: process.stdin })) {
    const { name, file } = JSON.parse(line);
    // uvu's queue: one group per file, its name first (scripts/uvu-hooks/uvu.mjs reads it too).
    globalThis.UVU_QUEUE = [[name]];
    globalThis.UVU_INDEX = 0;
    process.exitCode = 0;
    const cpuBefore = cpuMs();
    try {
      await import(pathToFileURL(file).href);
      await uvu.exec();
    } catch (err) {
      // A file that fails to load: uvu's bin printed this and ended the whole run.
      process.stdout.write(
        `${name}\n   FAIL  ${name}  "the file failed to load"\n    ${err?.stack ?? err}\n\n\n`,
      );
      process.exitCode = 1;
    }
    const code = process.exitCode ?? 0;
    process.exitCode = 0;
    process.stdout.write(`\n${FILE_DONE} ${code} ${Math.round(cpuMs() - cpuBefore)}\n`);
  }
  // No file is left: end now. A failed test may have left a server or a timer running (its
  // close never reached), which would keep this process, and the runner waiting for it, alive.
  process.exit(0);
}
