/**
 * The text of the cascade files a coordinator sends with its jobs: workers
 * get the cascade itself, never a path, so they need no shared disk. Read
 * once per file and kept (a statement sends thousands of chunks of one file);
 * the path was resolved inside the coordinator's cascade roots by the plan.
 */
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';

const KEPT = 64;

export class CascadeTexts {
  private readonly texts = new Map<string, Promise<{ name: string; text: string }>>();

  read(path: string): Promise<{ name: string; text: string }> {
    let text = this.texts.get(path);
    if (!text) {
      if (this.texts.size >= KEPT) this.texts.clear();
      text = readFile(path, 'utf8').then((t) => ({ name: basename(path), text: t }));
      // A failed read is not kept: the next chunk tries again.
      text.catch(() => this.texts.delete(path));
      this.texts.set(path, text);
    }
    return text;
  }
}
