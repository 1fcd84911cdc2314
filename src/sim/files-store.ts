/**
 * The simulator's file storage for OpenAI's Files API (batch-api.ts serves
 * it): uploaded batch inputs and the batches' output and error files, in
 * memory (a restart loses them). Memory is bounded twice: a file over
 * `maxFileBytes` (OpenAI: batch input files up to 200 MB) is refused, and so is
 * an upload that would take the stored total over `maxTotalBytes` until files
 * are deleted. Output files always go in (a batch must not fail for it), and
 * count towards the total.
 */

/** OpenAI's bound for a batch input file (Files API reference, "Upload file"). */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;
/** All stored files together (uploads and batch outputs). */
export const MAX_TOTAL_BYTES = 1024 * 1024 * 1024;
/** Purposes the Files API accepts on upload (`batch_output` is the simulator's own, for results). */
export const UPLOAD_PURPOSES = ['assistants', 'batch', 'fine-tune', 'vision', 'user_data', 'evals'] as const;

export interface SimFile {
  readonly id: string;
  readonly filename: string;
  readonly purpose: string;
  readonly createdAt: number;
  readonly data: Buffer;
}

/** A refusal for an OpenAI-style 400 body. */
export interface FileRefusal {
  readonly message: string;
  readonly param: string;
}

/** Batch input files expire after 30 days by default (Files API, `expires_after`). */
const BATCH_FILE_TTL_S = 30 * 24 * 3600;

export class FileStore {
  private readonly files = new Map<string, SimFile>();
  private seq = 0;
  private total = 0;

  constructor(
    readonly maxFileBytes = MAX_FILE_BYTES,
    readonly maxTotalBytes = MAX_TOTAL_BYTES,
  ) {}

  /** Bytes stored now. */
  get totalBytes(): number {
    return this.total;
  }

  /** Stores an upload, or says why not. */
  upload(filename: string, purpose: string, data: Buffer): SimFile | FileRefusal {
    if (data.length > this.maxFileBytes) {
      return {
        message: `File is too large: ${data.length} bytes, the maximum is ${this.maxFileBytes} bytes.`,
        param: 'file',
      };
    }
    if (this.total + data.length > this.maxTotalBytes) {
      return {
        message: `File storage is full: ${this.total} of ${this.maxTotalBytes} bytes used. Delete files to make room.`,
        param: 'file',
      };
    }
    return this.put(filename, purpose, data);
  }

  /** Stores a file the simulator made (a batch's output or error file): never refused. */
  put(filename: string, purpose: string, data: Buffer): SimFile {
    const file: SimFile = {
      id: `file-sim${++this.seq}`,
      filename,
      purpose,
      createdAt: Math.floor(Date.now() / 1000),
      data,
    };
    this.files.set(file.id, file);
    this.total += data.length;
    return file;
  }

  get(id: string): SimFile | undefined {
    return this.files.get(id);
  }

  delete(id: string): boolean {
    const file = this.files.get(id);
    if (!file) return false;
    this.files.delete(id);
    this.total -= file.data.length;
    return true;
  }

  /** Files oldest first (upload order). */
  all(): SimFile[] {
    return [...this.files.values()];
  }
}

/** The File object of the Files API. */
export function fileObject(f: SimFile): Record<string, unknown> {
  return {
    id: f.id,
    object: 'file',
    bytes: f.data.length,
    created_at: f.createdAt,
    expires_at: f.purpose === 'batch' ? f.createdAt + BATCH_FILE_TTL_S : null,
    filename: f.filename,
    purpose: f.purpose,
    status: 'processed',
    status_details: null,
  };
}
