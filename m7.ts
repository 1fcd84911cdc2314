import { textChunks } from './src/documents/text-chunks.ts';
import { loadEncodingSync } from './src/llm/token-count.ts';
const enc = loadEncodingSync();
for (let rep = 0; rep < 3; rep++) {
  let t0 = performance.now();
  for (let i = 0; i < 100000; i++) textChunks(`row number ${i} of many`, 8);
  let t1 = performance.now();
  for (let i = 0; i < 100000; i++) enc.countTokens(`row number ${i} of many`);
  let t2 = performance.now();
  console.log('textChunks µs/row', ((t1 - t0) / 100).toFixed(1), 'count µs', ((t2 - t1) / 100).toFixed(1));
}
