/**
 * `rvbbit_without_secrets(text)`: base/secrets.ts as a DuckDB function, for
 * error texts that SQL builds from a model's answer (a MAP column's "cannot
 * cast <answer> to INTEGER"): the answer may quote a provider key. Registered
 * once per database, so every session's connection has it.
 */
import { type DuckDBConnection, DuckDBScalarFunction, VARCHAR } from '@duckdb/node-api';
import { withoutSecrets } from '../../base/secrets.js';

export const WITHOUT_SECRETS_FUNCTION = 'rvbbit_without_secrets';

const registered = new WeakSet<object>();

/** Registers the function on `db`'s catalog through `con`, once. */
export function registerWithoutSecrets(db: object, con: DuckDBConnection): void {
  if (registered.has(db)) return;
  con.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: WITHOUT_SECRETS_FUNCTION,
      returnType: VARCHAR,
      parameterTypes: [VARCHAR],
      mainFunction: (_info, chunk, output) => {
        const texts = chunk.getColumnVector(0);
        for (let r = 0; r < chunk.rowCount; r++) {
          const text = texts.getItem(r) as string | null;
          output.setItem(r, text === null ? null : withoutSecrets(text));
        }
        output.flush();
      },
    }),
  );
  registered.add(db);
}
