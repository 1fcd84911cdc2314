// gpt-tokenizer's declarations (BytePairEncodingCore.d.ts) name `TextDecoder`
// as a type, as the DOM library declares it; Node's types declare only the
// value. The build checks library declarations (tsconfig.build.json), so the
// type is Node's own, util.TextDecoder, under the global name.
import type { TextDecoder as NodeTextDecoder } from 'node:util';

declare global {
  interface TextDecoder extends NodeTextDecoder {}
}
