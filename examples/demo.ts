// Grammar demo (replaced by the engine demo later): parse spec examples, print
// their canonical form, then one error as the user would see it.
import { format, parse } from '../grammar/index.js';

const examples = `
RVBBIT MAP PARALLEL 20 DISTINCT 'traits/extract_brand.yaml'
AS (brand VARCHAR, confidence DOUBLE)
USING (SELECT product_name FROM products LIMIT 5000)
WITH (on_error = 'null', cache = '1d');

-- @ parallel: 8
-- @ model: small-fast
SELECT id, text ALIGNS 'SQL is good for AI' AS score
FROM tweets WHERE text MEANS 'talks about databases' LIMIT 10;
`;

const ok = parse(examples);
console.log(format(ok));
for (const s of ok.statements) {
  if (s.kind === 'SqlStatement') {
    for (const c of s.operators)
      console.log(`  ${c.operator}: ${c.functionName}(${c.left.text}, ${c.right.text}) in ${c.clause}`);
  }
}
const bad = parse("RVBBIT MAP PARALLEL 0 'traits/extract_brand.yaml' USING (SELECT 1)");
console.log(`\n${bad.errors.map((e) => e.rendered).join('\n')}`);
