#!/usr/bin/env node
// Replays a run's test-file times through a model of scripts/run-tests.mjs's lanes, to compare
// lane policies without an idle machine for each: each file needs its CPU time and lasts at least
// WALL_SHARE of its recorded wall time alone; the cores are shared in proportion to what the running
// files ask (processor sharing). On ci-e's times (an idle fresh-clone run of 1,247 s) the old choice
// (`0.5 1 longest`) replays at 1,228 s.
//   node scripts/replay-lanes.mjs [durations.json] [waiting share] [waiting lanes] [longest]
// (durations.json as .cache/test-durations.json; defaults: the committed file, 0.75, 1; `longest`:
// the core lanes take the longest file whatever its kind, the choice before lane-choice.mjs)
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { nextFileFor } from './lane-choice.mjs';

const CORES = 2;
/** A file's wall time alone against its recorded one (recorded beside two other lanes). */
const WALL_SHARE = 0.85;
const STEP_S = 0.1;

const [
  source = fileURLToPath(new URL('./test-durations.json', import.meta.url)),
  share = '0.75',
  waitingLanes = '1',
  choice,
] = process.argv.slice(2);
const coreLanesLeaveWaiting = Number(waitingLanes) > 0 && choice !== 'longest';
const files = Object.entries(JSON.parse(readFileSync(source, 'utf8'))).map(([path, t]) => {
  const cpu = t.cpuMs / 1000;
  const alone = Math.max(cpu, (t.ms / 1000) * WALL_SHARE);
  return { path, cpu, alone, rate: cpu / alone, waits: t.cpuMs < Number(share) * t.ms };
});
const queue = [...files].sort((a, b) => b.alone - a.alone);
const lanes = [
  ...Array.from({ length: CORES }, () => ({ waitingOnly: false, file: null })),
  ...Array.from({ length: Number(waitingLanes) }, () => ({ waitingOnly: true, file: null })),
];
let t = 0;
for (;;) {
  for (const lane of lanes) {
    if (lane.file) continue;
    const i = nextFileFor(
      lane.waitingOnly,
      queue,
      () => true,
      (f) => f.waits,
      lane.waitingOnly || coreLanesLeaveWaiting,
    );
    if (i >= 0) lane.file = { ...queue.splice(i, 1)[0], left: 0 };
  }
  const running = lanes.filter((l) => l.file);
  if (running.length === 0) break;
  const asked = running.reduce((a, l) => a + l.file.rate, 0);
  const speed = asked > CORES ? CORES / asked : 1;
  for (const lane of running) {
    lane.file.left += STEP_S * speed;
    if (lane.file.left >= lane.file.alone) lane.file = null;
  }
  t += STEP_S;
}
const cpu = files.reduce((a, f) => a + f.cpu, 0);
console.log(
  `${t.toFixed(0)} s over ${CORES} cores (+${waitingLanes} waiting); ${cpu.toFixed(0)} s of CPU, ${(cpu / CORES).toFixed(0)} s if perfectly shared`,
);
