import { startSemFixture } from './test/semantic/semantic-fixture.js';
const f = await startSemFixture();
console.log(JSON.stringify(await f.rows(`SELECT id, body ABOUT 'phone battery' s, body MEANS 'eco' e, title ~ category t FROM docs ORDER BY id`)));
console.log(JSON.stringify(await f.rows(`SELECT d.id, c.label, d.title ~ c.label m FROM docs d, cats c WHERE d.title ~ c.label ORDER BY 1,2`)));
await f.close();
