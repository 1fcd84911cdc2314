/** Quoting helpers for SQL the engine writes itself. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

export function quoteString(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

/** 'main.t' → "main"."t": a name from a WITH value never reaches SQL unquoted. */
export function qualifiedName(name: string): string {
  return name.split('.').map(quoteIdent).join('.');
}
