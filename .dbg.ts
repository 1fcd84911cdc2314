import { startSemFixture } from './test/semantic/semantic-fixture.js';
const f = await startSemFixture({ defaultParallel: 16 });
const sql = `SELECT id FROM docs WHERE body MEANS 'eco friendly' AND title MEANS 'bottle' ORDER BY id`;
for (const s of ['batch', 'sequential', 'vectorized', 'batch', 'sequential']) {
  await f.sim.resetStats();
  console.log(s, JSON.stringify(await f.rows(sql, `-- @ cache: false\n-- @ strategy: ${s}`)), await f.requests());
}
console.log(JSON.stringify(await f.rows(`SELECT id, body MEANS 'eco friendly' a, title MEANS 'bottle' b FROM docs ORDER BY id`, '-- @ cache: false')));
await f.close();
