/**
 * The psql path of paths-memory.bench.ts: starts `rvbbit serve` (the build)
 * under GNU time, runs one statement through psql (with FETCH_COUNT when
 * given: DECLARE … CURSOR and FETCH n; without: one simple query), writes
 * psql's output to stdout, stops the server, and prints the SERVER's peak
 * RSS as `PEAK_RSS_KB=…` on stderr first, which is what the bench reads.
 *
 *   node bench/psql-map.child.mjs <simulator url> <cascades dir> <fetch count, 0 = none> <sql>
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const [simUrl, cascades, fetchCount, sql] = process.argv.slice(2);
const cli = fileURLToPath(new URL('../bin/rvbbit.js', import.meta.url));
const server = spawn(
  '/usr/bin/time',
  [
    '-f',
    'PEAK_RSS_KB=%M',
    process.execPath,
    cli,
    'serve',
    '--port',
    '0',
    '--provider-url',
    simUrl,
    '--cascades',
    cascades,
  ],
  { stdio: ['ignore', 'pipe', 'pipe'] },
);
let serverErr = '';
server.stderr.on('data', (b) => {
  serverErr = (serverErr + b.toString()).slice(-20_000);
});
let serverOut = '';
const port = await new Promise((resolve, reject) => {
  server.stdout.on('data', (b) => {
    serverOut += b.toString();
    const m = /listening on postgresql:\/\/[^:]+:(\d+)/.exec(serverOut);
    if (m) resolve(Number(m[1]));
  });
  server.on('exit', () => reject(new Error(`rvbbit serve ended:\n${serverErr}`)));
});
const psql = spawn(
  '/usr/bin/psql',
  [
    ...['-h', '127.0.0.1', '-p', String(port), '-U', 'bench', '-d', 'rvbbit', '-X', '-q', '-A'],
    ...['-v', 'ON_ERROR_STOP=1', ...(Number(fetchCount) > 0 ? ['-v', `FETCH_COUNT=${fetchCount}`] : [])],
    ...['-c', sql],
  ],
  { stdio: ['ignore', 'inherit', 'pipe'] },
);
let psqlErr = '';
psql.stderr.on('data', (b) => {
  psqlErr += b.toString();
});
const [code] = await once(psql, 'close');
// The server, not GNU time around it: time dies of a SIGTERM without printing its figure, and the
// server it leaves behind keeps the pipes open, so 'close' never came (the bench hung).
const serverNode = readFileSync(`/proc/${server.pid}/task/${server.pid}/children`, 'utf8')
  .trim()
  .split(/\s+/)
  .filter(Boolean)
  .map(Number);
if (serverNode.length === 0) server.kill('SIGTERM');
for (const pid of serverNode) process.kill(pid, 'SIGTERM');
await once(server, 'close');
const peak = /PEAK_RSS_KB=\d+/.exec(serverErr)?.[0];
process.stderr.write(`${peak ?? 'PEAK_RSS_KB=unknown'}\n`);
if (code !== 0) {
  process.stderr.write(`psql exited ${code}: ${psqlErr}\n`);
  process.exit(1);
}
