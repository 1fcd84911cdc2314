/**
 * The simulator's answer to the pair-split question (cascades/semantic/pair_split.yaml:
 * does a pair condition compare one attribute of each side?), decided from the
 * condition's words so that it agrees with how the pair judge answers the pairs
 * themselves (prompt-context.ts sentimentVerdict):
 * - "same/similar sentiment(s)" → labels positive, negative, neutral; "="; compared
 *   between positive and negative (the judge: both signs non-zero and equal);
 * - "opposite/different/contrary sentiment(s)" → the same labels; "<>"; compared
 *   between positive and negative (the judge: signs of opposite sign);
 * - "same/different language" → a few language labels, "=" or "<>", all compared
 *   (the pair judge has no language rule: it judges such a pair by word overlap, so the
 *   engine's sample check is what stops this split on the simulator, as it should);
 * - anything else, or a condition with words beyond the attribute, the comparison and
 *   filler ("the two reviews express …"), does not split.
 * A real model reads the condition; these rules only stand for what it would answer.
 */
import { tokens } from './words.js';

/** The structured answer pair_split.yaml asks for. */
export interface PairSplitAnswer {
  readonly splits: boolean;
  readonly question: string;
  readonly labels: readonly string[];
  readonly comparison: '=' | '<>';
  readonly compared_labels: readonly string[];
}

const SAME = new Set(['same', 'similar', 'identical', 'matching', 'equal']);
const OPPOSITE = new Set(['opposite', 'different', 'contrary', 'differing', 'opposing']);
const SENTIMENT = new Set(['sentiment', 'sentiments', 'tone', 'tones']);
const LANGUAGE = new Set(['language', 'languages']);
/** Words that say nothing beyond which sides are compared. */
const FILLER = new Set(
  'the a an two both of in and are is be have has with express expresses show shows share carry written each other they their values texts text reviews review inputs input items first second one pair'.split(
    ' ',
  ),
);
const SENTIMENT_LABELS = ['positive', 'negative', 'neutral'];
const LANGUAGE_LABELS = ['english', 'french', 'german', 'spanish', 'other'];

const NO_SPLIT: PairSplitAnswer = {
  splits: false,
  question: '',
  labels: [],
  comparison: '=',
  compared_labels: [],
};

export function pairSplitAnswer(condition: string): PairSplitAnswer {
  const words = tokens(condition.toLowerCase());
  const has = (set: ReadonlySet<string>) => words.some((w) => set.has(w));
  const same = has(SAME);
  const opposite = has(OPPOSITE);
  if (same === opposite) return NO_SPLIT;
  const known = (w: string) =>
    FILLER.has(w) || SAME.has(w) || OPPOSITE.has(w) || SENTIMENT.has(w) || LANGUAGE.has(w);
  if (!words.every(known)) return NO_SPLIT;
  const comparison = same ? '=' : '<>';
  if (has(SENTIMENT) && !has(LANGUAGE))
    return {
      splits: true,
      question: 'What is the sentiment of the text?',
      labels: SENTIMENT_LABELS,
      comparison,
      compared_labels: ['positive', 'negative'],
    };
  if (has(LANGUAGE) && !has(SENTIMENT))
    return {
      splits: true,
      question: 'Which language is the text written in?',
      labels: LANGUAGE_LABELS,
      comparison,
      compared_labels: LANGUAGE_LABELS,
    };
  return NO_SPLIT;
}
