// Module resolve hook (node:module register): 'uvu' imported by anything but uvu itself and
// the wrapper resolves to the wrapper.
const WRAPPER = new URL('./uvu.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL ?? '';
  if (specifier === 'uvu' && parent !== WRAPPER && !parent.includes('/node_modules/uvu/')) {
    return { url: WRAPPER, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
