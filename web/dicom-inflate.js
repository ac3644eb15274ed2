// A deflated DICOM file (transfer syntax 1.2.840.10008.1.2.1.99) keeps its whole data
// set deflated: the page inflates it with the browser's DecompressionStream, bounded, and
// copes with the bytes some writers leave after the stream.

import { cannotShow, damaged } from "./dicom-parse.js";

// Bytes after the end of a deflated data set, which the browsers' inflaters refuse where
// Node's ignores them (pydicom's image_dfl.dcm has eight).
const MAX_TRAILING_BYTES = 16;

/**
 * The data set of a deflated file, inflated; at most `maxBytes` of it.
 * @param {Uint8Array} compressed what follows the file's meta information
 * @param {number} maxBytes
 * @returns {Promise<Uint8Array>}
 */
export async function inflate(compressed, maxBytes) {
  if (typeof DecompressionStream !== "function") {
    throw cannotShow("This DICOM file is deflated and this browser cannot inflate it");
  }
  // Cutting into the stream itself fails as a truncated stream, so only the cut that
  // leaves exactly the stream can succeed.
  for (let trailing = 0; trailing <= Math.min(MAX_TRAILING_BYTES, compressed.length); trailing += 1) {
    const data = await inflateAll(compressed.subarray(0, compressed.length - trailing), maxBytes);
    if (data) return data;
  }
  throw damaged("its deflated data set cannot be inflated");
}

/** The inflated bytes, or null when the stream is not whole deflated data. */
async function inflateAll(compressed, maxBytes) {
  const source = new ReadableStream({
    start(controller) {
      controller.enqueue(compressed);
      controller.close();
    },
  });
  const reader = source.pipeThrough(new DecompressionStream("deflate-raw")).getReader();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      total += value.length;
      if (total > maxBytes) {
        await reader.cancel();
        throw cannotShow(`This DICOM file inflates to more than ${maxBytes / 2 ** 30} GiB`);
      }
      chunks.push(value);
    }
  } catch (error) {
    if (error.unsupported) throw error;
    return null;
  }
  const data = new Uint8Array(total);
  let at = 0;
  for (const chunk of chunks) {
    data.set(chunk, at);
    at += chunk.length;
  }
  return data;
}
