/**
 * `-- @ key: value` annotations. A "key" is one identifier at the start of the
 * annotation text followed by `:` and then whitespace or the end of the line
 * (so `-- @ see http://x` is a hint, not a key). Anything else is a hint.
 * @see ../docs/dialect.md §2 "Annotations"
 */
import type { Span } from './span.js';
import {
  type AnnotationValues,
  OPTION_ANNOTATION_KEYS,
  type OptionAnnotationKey,
} from './statement-options.js';

export { EMBEDDING_PROXY, type ProxySpec, type ProxyTargets } from './proxy-spec.js';
export { STRATEGIES, type Strategy } from './with-options.js';

/**
 * The valid `key:` words: the statement options written as annotations
 * (statement-options.ts, in its order), and larsql's explicit spelling of a
 * hint, `-- @ prompt: text`, which is the hint `text` (no Annotation of its own).
 */
export const ANNOTATION_KEYS: readonly AnnotationKey[] = [...OPTION_ANNOTATION_KEYS, 'prompt'];
export type AnnotationKey = OptionAnnotationKey | 'prompt';

interface AnnotationBase {
  readonly kind: 'Annotation';
  readonly span: Span;
}
/**
 * An option's annotation, its value typed by the option's check in
 * statement-options.ts (`value: null` is the bare `-- @ parallel`, the engine
 * default); or a hint: free text, or the text of `-- @ prompt: …`, appended
 * to every operator prompt.
 */
export type Annotation =
  | {
      readonly [K in OptionAnnotationKey]: AnnotationBase & {
        readonly key: K;
        readonly value: AnnotationValues[K];
      };
    }[OptionAnnotationKey]
  | (AnnotationBase & { readonly key: 'hint'; readonly value: string });
