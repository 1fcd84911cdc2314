/**
 * `startSimulatorThread()`: the built-in simulator on a worker thread of its
 * own, which is how an engine with no provider runs it. On the engine's main
 * thread it would deadlock the strategies that block that thread while a
 * worker waits for an answer (statements/semantic/calls/sync-runner.ts, Atomics.wait), and any
 * busy stretch of the main thread (a server client's statement) would delay
 * every answer. A thread, unlike a child process, cannot outlive its process
 * and starts in tens of milliseconds.
 */
import { once } from 'node:events';
import { RvbbitError } from '../../base/errors.js';
import { startEntryWorker } from '../runtime/entry-worker.js';
import type { SimulatorOptions } from './options.js';
import { type RemoteSimulatorHandle, remoteSimulatorHandle } from './remote-handle.js';

export async function startSimulatorThread(options: SimulatorOptions = {}): Promise<RemoteSimulatorHandle> {
  const { worker, file } = startEntryWorker('src/sim/thread-main.ts', { workerData: { options } });
  const url = await new Promise<string>((resolve, reject) => {
    worker.once('message', (msg: { url: string }) => resolve(msg.url));
    worker.once('error', (err) =>
      reject(new RvbbitError('SIM_START', `the simulator thread (${file}) failed: ${err.message}`)),
    );
    worker.once('exit', (code) =>
      reject(new RvbbitError('SIM_START', `the simulator thread exited before listening (code ${code})`)),
    );
  });
  let closed: Promise<void> | undefined;
  const close = () => {
    closed ??= (async () => {
      const exited = once(worker, 'exit');
      worker.postMessage('close');
      // The server's close waits for open sockets; a stuck one must not hold up shutdown.
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    })();
    return closed;
  };
  return remoteSimulatorHandle(url, close);
}
