/** API keys as given by people: trimmed, and refused (by source, never shown) when mangled. */
import { RvbbitError } from '../../base/errors.js';
import { rememberSecret } from '../../base/secrets.js';

/**
 * An API key, trimmed (a trailing newline from `$(cat key.txt)` is common);
 * a control character left inside is an error naming `source`, never the key.
 */
export function checkedApiKey(key: string, source: string): string {
  const trimmed = key.trim();
  if (/[\u0000-\u001f\u007f]/.test(trimmed)) {
    throw new RvbbitError(
      'LLM_CONFIG',
      `${source}: the API key contains a control character (a pasted newline or tab?); the key is not shown`,
      { source },
    );
  }
  // From now on no error text of this thread shows it (base/secrets.ts).
  rememberSecret(trimmed);
  return trimmed;
}
