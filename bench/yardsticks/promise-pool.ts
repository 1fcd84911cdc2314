/**
 * Yardstick: what a user would hand-write with no engine. One thread, `width`
 * async loops over the requests with global `fetch` (what the OpenAI SDK
 * uses), each answer's JSON parsed and its content read.
 */

export interface YardstickRun {
  /** Each completion's message content, by request index. */
  readonly contents: string[];
  /** ms from start to the first answer. */
  readonly firstMs: number | null;
}

/** POSTs every body to `url` with at most `width` in flight. */
export async function runPromisePool(
  url: string,
  bodies: readonly string[],
  width: number,
): Promise<YardstickRun> {
  const contents: string[] = new Array(bodies.length);
  const started = performance.now();
  let firstMs: number | null = null;
  let next = 0;
  const loop = async () => {
    while (next < bodies.length) {
      const i = next++;
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: bodies[i]!,
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}: ${await res.text()}`);
      const json = (await res.json()) as { choices: { message: { content: string } }[] };
      contents[i] = json.choices[0]!.message.content;
      firstMs ??= performance.now() - started;
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, bodies.length) }, loop));
  return { contents, firstMs };
}
