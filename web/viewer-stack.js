// A series as a stack of frames: the order a receiver scrolls them in, and the decoded
// frames kept at hand. A series can hold thousands of slices, so only small facts of
// each file are kept, frames are decoded when asked for, a spin of the wheel decodes
// only the frame it stops on, and the frames kept are bounded in bytes.

/**
 * Decoded frames kept for scrolling back and forth: 256 MiB holds about 500 slices of
 * 512 × 512 at 16 bits, a whole CBCT's worth, without pressing a laptop's memory.
 */
export const FRAME_CACHE_BYTES = 256 * 1024 ** 2;

// How many frames on each side of the one shown are decoded ahead while nothing else waits.
const PREFETCH_RADIUS = 4;

const dot = (a, b) => a[0] * b[0] + a[1] * b[1] + a[2] * b[2];

function cross(a, b) {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** The normal of the plane an Image Orientation (Patient) describes (row × column). */
export function sliceNormal(orientation) {
  return cross(orientation.slice(0, 3), orientation.slice(3, 6));
}

/** Whether two orientations are the same to within rounding in the files. */
export function sameOrientation(a, b) {
  return a.every((value, i) => Math.abs(value - b[i]) < 1e-4);
}

/**
 * The frames of a series in the order they are scrolled: `files` are
 * `{name, header}` (header: the small facts of parseHeaderOnly). Sorted by position
 * along the slice normal when every frame has one in the same orientation, else by
 * Instance Number, else by file name; a multi-frame file gives each of its frames.
 * Each frame is `{file, frame, header, position, along}` (position and along, its
 * distance along the normal in mm, are null when unknown).
 */
export function orderFrames(files) {
  const frames = files.flatMap(({ header }, file) =>
    Array.from({ length: Math.max(header.frameCount || 1, 1) }, (_, frame) => ({
      file,
      frame,
      header,
      position: header.positions?.[frame] ?? null,
      along: null,
    })),
  );
  const first = frames[0]?.header.orientation;
  const byPosition =
    first && frames.every(({ header, position }) => position && header.orientation && sameOrientation(header.orientation, first));
  const byInstance = (a, b) => (a.header.instanceNumber ?? 0) - (b.header.instanceNumber ?? 0) || a.file - b.file || a.frame - b.frame;
  if (byPosition) {
    const normal = sliceNormal(first);
    for (const frame of frames) frame.along = dot(normal, frame.position);
    return frames.sort((a, b) => a.along - b.along || byInstance(a, b));
  }
  if (files.every(({ header }) => Number.isFinite(header.instanceNumber))) return frames.sort(byInstance);
  const collator = new Intl.Collator("en", { numeric: true });
  return frames.sort((a, b) => collator.compare(files[a.file].name, files[b.file].name) || a.frame - b.frame);
}

const frameBytes = (frame) => (frame.values ?? frame.rgba).byteLength;

/**
 * Decoded frames of one stack, by index: an LRU cache bounded in bytes, one decode at
 * a time for the frame wanted last, and its neighbours decoded ahead while idle.
 */
export class FrameStore {
  #decode;
  #count;
  #budget;
  #cache = new Map();
  #failed = new Map();
  #bytes = 0;
  #largest = 0;
  #wanted = -1;
  #onReady = null;
  #running = false;
  #closed = false;

  /**
   * `decode(index)` resolves to the decoded frame `index` of `count` (or rejects with a
   * plain-sentence Error); at most `budget` bytes of frames are kept.
   */
  constructor(count, decode, budget = FRAME_CACHE_BYTES) {
    this.#count = count;
    this.#decode = decode;
    this.#budget = budget;
  }

  /** Bytes of decoded frames held now. */
  get bytes() {
    return this.#bytes;
  }

  /**
   * Ask for frame `index`: returns `{frame}` or `{error}` when known already; otherwise
   * decodes it, unless another index is wanted before its turn comes, and then calls
   * `onReady(index, {frame} | {error})`.
   */
  want(index, onReady) {
    this.#wanted = index;
    this.#onReady = onReady;
    const known = this.#known(index);
    if (!this.#running) this.#run();
    return known;
  }

  /** Let go of every frame, and decode nothing more. */
  close() {
    this.#closed = true;
    this.#cache.clear();
    this.#failed.clear();
    this.#bytes = 0;
  }

  #known(index) {
    const frame = this.#cache.get(index);
    if (frame) {
      this.#cache.delete(index);
      this.#cache.set(index, frame);
      return { frame };
    }
    const error = this.#failed.get(index);
    return error ? { error } : null;
  }

  // The next frame to decode: the one wanted, else its nearest neighbour not kept yet.
  // Neighbours kept are marked recently used, so that decoding one never lets another
  // go; and none is decoded ahead unless all of them fit in the budget together.
  #next() {
    const wanted = this.#wanted;
    if (wanted < 0) return -1;
    const radius = (2 * PREFETCH_RADIUS + 1) * this.#largest <= this.#budget ? PREFETCH_RADIUS : 0;
    for (let distance = 0; distance <= radius; distance += 1) {
      for (const index of distance ? [wanted + distance, wanted - distance] : [wanted]) {
        if (index < 0 || index >= this.#count || this.#failed.has(index)) continue;
        const kept = this.#cache.get(index);
        if (!kept) return index;
        this.#cache.delete(index);
        this.#cache.set(index, kept);
      }
    }
    return -1;
  }

  async #run() {
    this.#running = true;
    try {
      for (let index = this.#next(); index >= 0 && !this.#closed; index = this.#next()) {
        const prefetch = index !== this.#wanted;
        if (prefetch) await new Promise((resolve) => setTimeout(resolve));
        if (prefetch && this.#next() !== index) continue;
        let outcome;
        try {
          outcome = { frame: await this.#decode(index) };
        } catch (error) {
          outcome = { error };
        }
        if (this.#closed) return;
        this.#store(index, outcome);
        if (index === this.#wanted) this.#onReady?.(index, outcome);
      }
    } finally {
      this.#running = false;
    }
  }

  #store(index, { frame, error }) {
    if (error) {
      this.#failed.set(index, error);
      return;
    }
    this.#cache.set(index, frame);
    this.#bytes += frameBytes(frame);
    this.#largest = Math.max(this.#largest, frameBytes(frame));
    for (const [old, kept] of this.#cache) {
      if (this.#bytes <= this.#budget || old === index) break;
      this.#cache.delete(old);
      this.#bytes -= frameBytes(kept);
    }
  }
}
