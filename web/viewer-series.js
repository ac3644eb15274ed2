// Reading a series' files for the viewer: each file's header from its first bytes only
// (the small facts, never the pixels), and a frame's pixels from its whole file when
// it is shown. Every failure becomes one sentence a receiver can act on.

import { checkFramesFit, decodeFrame, parseHeaderOnly, parseImage } from "./dicom-image.js";

// Headers end well before this in almost every file; a file whose header does not
// is read whole.
const HEADER_PREFIX = 64 * 1024;

// The facts of a header the viewer uses; the rest is let go.
const KEPT = [
  "modality", "rows", "columns", "frameCount", "samplesPerPixel", "photometric", "bitsAllocated",
  "rescaleSlope", "rescaleIntercept", "windows", "pixelSpacing", "spacingSource", "orientation",
  "positions", "sliceThickness", "instanceNumber", "seriesDescription", "seriesDate",
];

const bytesOf = async (blob) => new Uint8Array(await blob.arrayBuffer());

/** The small facts of `item`'s header (`{name, blob}`); rejects with a plain-sentence Error. */
export async function readHeader(item) {
  let header = null;
  if (item.blob.size > 2 * HEADER_PREFIX) {
    try {
      header = await parseHeaderOnly(await bytesOf(item.blob.slice(0, HEADER_PREFIX)));
    } catch {
      // The header runs past the prefix (or the file is odd): read it whole to be sure.
    }
  }
  // A prefix cut just before the image's group describes no image: read it whole.
  if (!header?.rows) {
    const bytes = await bytesOf(item.blob);
    header = await parseHeaderOnly(bytes);
    // Without an image size it is no image: parseImage says what it holds instead.
    if (!header.rows) await parseImage(bytes);
  }
  checkFramesFit(header, item.blob.size);
  return Object.fromEntries(KEPT.map((key) => [key, header[key] ?? null]));
}

/**
 * A function that decodes frame `index` of `frames` (orderFrames) from `items`' files.
 * The last multi-frame file parsed is kept, so its frames are not re-read one by one.
 */
export function frameDecoder(items, frames) {
  let parsed = null;
  return async (index) => {
    const { file, frame, header } = frames[index];
    let image = parsed?.file === file ? parsed.image : null;
    if (!image) {
      try {
        image = await parseImage(await bytesOf(items[file].blob));
      } catch (error) {
        error.wholeFile = true; // none of the file's frames can show
        throw error;
      }
      parsed = header.frameCount > 1 ? { file, image } : null;
    }
    return decodeFrame(image, frame);
  };
}

/**
 * One sentence saying that `name` could not be shown and why (`error`), and that the
 * file can still be saved.
 */
export function failureSentence(name, error) {
  const message = String(error?.message ?? error ?? "").trim();
  if (/\bsave/i.test(message)) return `${name}: ${message}`;
  let reason = message.replace(/\.$/, "");
  if (/^[A-Z][a-z]/.test(reason)) reason = reason[0].toLowerCase() + reason.slice(1);
  const why = reason ? ` (${reason})` : "";
  return `${name} could not be shown here${why}; the file can still be saved.`;
}

/** Whether `error` says the object is of a kind or compression this page cannot show. */
export const isUnsupported = (error) => Boolean(error?.unsupported);
