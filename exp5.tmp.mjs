import { DuckDBInstance } from '@duckdb/node-api';
const inst = await DuckDBInstance.create(':memory:');
const con = await inst.connect();
console.log((await con.runAndReadAll("SELECT name, value FROM duckdb_settings() WHERE name ILIKE '%row_group%' OR name ILIKE '%optimistic%' OR name ILIKE '%checkpoint%' OR name ILIKE '%storage%'")).getRows());
try { await con.run("ATTACH '/tmp/mapw66/rg.duckdb' AS rg (ROW_GROUP_SIZE 16384)"); console.log('attach ok', (await con.runAndReadAll("SELECT * FROM pragma_storage_info('rg.main.t')").catch(e=>({getRows:()=>e.message}))).getRows?.()); } catch (e) { console.log('attach err', e.message); }
