/**
 * `startSimulatorProcess()`: the simulator in a child process, so its CPU does
 * not hide in the measured process's event loop (benchmarks). Same handle
 * shape as `startSimulator()`, but stats(), resetStats() and setOptions() are
 * async (remote-handle.ts).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { RvbbitError } from '../../base/errors.js';
import { entryLoaderFlags, entryModule } from '../runtime/package-files.js';
import type { SimulatorOptions } from './options.js';
import { type RemoteSimulatorHandle, remoteSimulatorHandle } from './remote-handle.js';

export interface SimulatorProcessHandle extends RemoteSimulatorHandle {
  readonly pid: number;
}

/** RVBBIT_SIM_PROF=<dir>: the child writes a V8 CPU profile there (benchmark forensics). */
function profileFlags(): string[] {
  const dir = process.env['RVBBIT_SIM_PROF'];
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

const CHILD_SOURCE = 'src/sim/child-main.ts';
const CHILD = fileURLToPath(entryModule(CHILD_SOURCE));

export async function startSimulatorProcess(options: SimulatorOptions = {}): Promise<SimulatorProcessHandle> {
  const child = spawn(
    process.execPath,
    [...profileFlags(), ...entryLoaderFlags(CHILD_SOURCE), CHILD, JSON.stringify(options)],
    {
      // stdin stays open while this process lives: the child exits when it
      // closes, so a crashed parent never leaves a simulator running.
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  const url = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    const onExit = (code: number | null) =>
      reject(new RvbbitError('SIM_START', `simulator process exited before listening (code ${code})`));
    child.once('exit', onExit);
    child.once('error', reject);
    lines.once('line', (line) => {
      child.off('exit', onExit);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new RvbbitError('SIM_START', `unexpected line from simulator process: ${line.slice(0, 200)}`));
      }
    });
  });
  return { ...remoteSimulatorHandle(url, () => stop(child)), pid: child.pid! };
}

function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}
