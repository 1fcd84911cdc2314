// The README's library example, as a user writes it; built by `npm run build`, run from the
// repository's root: node dist/examples/library.js
import { createEngine } from 'rvbbit';

const engine = await createEngine({
  cascadeRoots: ['examples/cascades'], // where 'traits/…' resolves
  defaultParallel: 8,
});
try {
  await engine.query(`CREATE TABLE products AS SELECT * FROM read_csv_auto('examples/data/products.csv')`);
  const { columns, rows } = await engine.query(
    `RVBBIT MAP PARALLEL 20 'traits/extract_brand.yaml' AS (brand VARCHAR, confidence DOUBLE)
     USING (SELECT id, product_name FROM products ORDER BY id LIMIT 5)`,
    [],
    { onProgress: (p) => process.stderr.write(`\r${p.rowsDone}/${p.rowsTotal} rows, ${p.calls} calls`) },
  );
  console.log(`\n${columns.map((c) => `${c.name} ${c.type}`).join(', ')}`);
  for (const row of rows) console.log(`${row.id} ${row.product_name} → ${row.brand} ${row.confidence}`); // id is a bigint
  console.log(`answered by: ${engine.answeredBy}`);
} finally {
  await engine.close();
}
