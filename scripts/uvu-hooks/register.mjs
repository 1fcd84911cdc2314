// `node --import ./scripts/uvu-hooks/register.mjs …`: test files that import 'uvu' get
// scripts/uvu-hooks/uvu.mjs instead, whose hooks report their failures (uvu itself drops a
// failed `before` hook's error: the file shows `(0 / 4)` and nothing else).
import { register } from 'node:module';

register('./resolve.mjs', import.meta.url);
