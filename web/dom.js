// The page's DOM helpers, shared by its views: its state, sizes and progress, tables,
// previews, errors, downloads, Cancel and dropped folders.
//
// Each object URL is revoked as soon as it has served, since it keeps its Blob (a
// patient's file, or the sealed file) in memory for as long as the page lives.

import { CANCELLED } from "./api.js";

/** The element with id `id`. */
export const $ = (id) => document.getElementById(id);
const body = document.body;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);

/** Put the page in `state` (see main.js) and, if given, say `message` in its status line. */
export function setState(state, message = "") {
  body.dataset.state = state;
  if (message) $("status").textContent = message;
}

/** Have the browser save `blob` as a file named `name`. */
export function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  // Firefox reads the URL only after the click's task ends (its bug 1282407).
  setTimeout(() => URL.revokeObjectURL(url));
}

/** `bytes` in bytes, KB, MB or GB, as people read sizes. */
export function formatSize(bytes) {
  if (bytes < 1000) return `${bytes} bytes`;
  const units = ["KB", "MB", "GB"];
  let value = bytes / 1000;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/** A new cell of `row` holding `content`: a node, or text. */
export function cell(row, content) {
  const td = row.insertCell();
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? "";
  return td;
}

/** A preview of `blob` if it is a JPEG or PNG picture, else a dash. */
export function thumbnail(blob, mediaType, alt) {
  if (!IMAGE_TYPES.has(mediaType)) return document.createTextNode("—");
  const image = Object.assign(document.createElement("img"), { alt, className: "thumbnail" });
  const url = URL.createObjectURL(blob);
  // A loaded picture stays shown without its URL.
  const revoke = () => URL.revokeObjectURL(url);
  image.addEventListener("load", revoke, { once: true });
  image.addEventListener("error", revoke, { once: true });
  image.src = url;
  return image;
}

/**
 * Wire a passphrase field `id`, its confirmation `${id}-again` and its strength line
 * `${id}-strength` to the button `generate`: Python rates what is typed and makes a
 * strong passphrase on request, shown in clear, as it must be read out or written down.
 */
export function passphraseFields(api, id, generate) {
  const field = $(id);
  field.addEventListener("input", async () => {
    const passphrase = field.value;
    if (!passphrase) return ($(`${id}-strength`).textContent = "");
    const { bits, verdict } = await api.call("passphraseStrength", [passphrase]);
    $(`${id}-strength`).textContent = `Strength: ${verdict} (about ${bits} bits).`;
  });
  $(generate).addEventListener("click", async () => {
    const { passphrase } = await api.call("generatePassphrase");
    for (const each of [field, $(`${id}-again`)]) {
      each.value = passphrase;
      each.type = "text";
    }
    field.dispatchEvent(new Event("input"));
  });
}

/** Say `error` (its message, then its hint) in `target`, and put the page in error. */
export function showError(target, error) {
  const hint = error.hint ? ` ${error.hint[0].toUpperCase()}${error.hint.slice(1)}.` : "";
  const message = error.message ?? String(error);
  target.textContent = `${message[0].toUpperCase()}${message.slice(1)}.${hint}`;
  setState("error", "Something went wrong: see the message below.");
}

function formatDuration(seconds) {
  if (seconds < 60) return `${Math.max(1, Math.round(seconds))} s`;
  const minutes = Math.round(seconds / 60);
  return minutes < 60 ? `${minutes} min` : `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/**
 * Bytes done of the total and, once a step has run for a moment, the time left at its
 * pace so far; each step (decrypting, verifying…) is timed from its own start.
 */
export function showProgress(bar, label) {
  bar.hidden = false;
  bar.value = 0;
  let step = null;
  let started = 0;
  return (name, done, total) => {
    const now = performance.now();
    if (name !== step) [step, started] = [name, now];
    bar.value = total ? done / total : 1;
    const seconds = (now - started) / 1000;
    const left = done > 0 && seconds >= 1 ? ((total - done) * seconds) / done : null;
    const pace = left === null ? "" : ` · about ${formatDuration(left)} left`;
    $("status").textContent = `${label}: ${step}, ${formatSize(done)} of ${formatSize(total)}${pace}`;
  };
}

/**
 * Runs `work` with a Cancel button shown, which cancels `api`'s requests; a cancelled
 * run says so and is not an error.
 */
export async function cancellable(api, cancel, progress, message, work) {
  cancel.hidden = false;
  cancel.onclick = () => api.cancel();
  try {
    return await work();
  } catch (error) {
    if (error.kind !== CANCELLED) throw error;
    progress.hidden = true;
    message.textContent = "Cancelled: nothing was saved.";
    return null;
  } finally {
    cancel.hidden = true;
  }
}

async function walk(entry) {
  if (entry.isFile) {
    const file = await new Promise((resolve, reject) => entry.file(resolve, reject));
    return [{ file, path: entry.fullPath.replace(/^\//, "") }];
  }
  const reader = entry.createReader();
  const children = [];
  for (;;) {
    const batch = await new Promise((resolve, reject) => reader.readEntries(resolve, reject));
    if (!batch.length) break;
    children.push(...batch);
  }
  return (await Promise.all(children.map(walk))).flat();
}

/** Make `zone` take dropped files and folders, handing `onEntries` every file in them. */
export function dropZone(zone, onEntries) {
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", async (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const entries = [...event.dataTransfer.items]
      .map((item) => item.webkitGetAsEntry?.())
      .filter(Boolean);
    onEntries((await Promise.all(entries.map(walk))).flat());
  });
}
