// The Open view: the sealed file, its passphrase or the receiver's identity file,
// then open, the verified records and their cover, and save.

import { renderChart } from "./chart.js";
import { $, cancellable, cell, download, dropZone, formatSize, setState, showError, showProgress, thumbnail } from "./dom.js";

let api = null; // the page's requests to its worker, given to setUpOpen
let sealed = null;
let letGoOfShown = () => {}; // ends the hold on the records shown (see holdRecords)

// Opened records are kept in the origin's private file system, where the browser has
// one, under a name this page holds a Web Lock on for as long as it shows them: a
// worker removes every opened file whose lock no page holds (spools.js), so records
// do not stay on disk after the page shows others, or closes. Returns that name, or ""
// where there are no Web Locks (the worker then keeps the records in Blobs).
async function holdRecords() {
  letGoOfShown();
  if (!navigator.locks) return "";
  const random = crypto.getRandomValues(new Uint8Array(16));
  const name = `opened-${Array.from(random, (byte) => byte.toString(16).padStart(2, "0")).join("")}`;
  const released = new Promise((resolve) => (letGoOfShown = resolve));
  await new Promise((granted) => {
    navigator.locks.request(name, () => {
      granted();
      return released;
    });
  });
  return name;
}

async function chooseSealed(file) {
  sealed = file;
  $("sealed-name").textContent = file.name;
  $("open-message").textContent = "";
  try {
    const inspection = await api.call("inspect", [file]);
    const byKey = inspection.needs === "key";
    $("open-key-fields").hidden = !byKey;
    $("open-passphrase-fields").hidden = byKey;
    setState("ready", byKey ? "This file opens with your identity file." : "This file opens with a passphrase.");
  } catch (error) {
    showError($("open-message"), error);
  }
}

// Identity files are a few hundred bytes; a larger file is surely something else.
const IDENTITY_FILE_LIMIT = 64 * 1024;
// As orthoshare.age.is_protected_identity: an age file, binary or armored, given as the
// identity file is one protected by a passphrase, as the age command reads them.
const PROTECTED_IDENTITY = /^(age-encryption\.org\/|[ \t\r\n\v\f]*-----BEGIN AGE ENCRYPTED FILE-----)/;

// Show the identity file's passphrase field when the identity given is protected.
async function showIdentityPassphrase() {
  const file = $("identity-file").files[0];
  const start = file ? new TextDecoder("latin1").decode(await file.slice(0, 1024).arrayBuffer()) : $("identity-text").value;
  $("identity-passphrase-fields").hidden = !PROTECTED_IDENTITY.test(start);
}

function base64(bytes) {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

// What stops the identity given from being used, said before any work: an error, or null.
function identityRefused() {
  if (!$("open-passphrase-fields").hidden) return null;
  const file = $("identity-file").files[0];
  if (file && file.size > IDENTITY_FILE_LIMIT) {
    return { message: `${file.name} is too large to be an identity file`, hint: "choose the identity file saved on the My key tab" };
  }
  if (!$("identity-passphrase-fields").hidden && !$("identity-passphrase").value) {
    $("identity-passphrase").focus();
    return { message: "your identity file is protected: type its passphrase" };
  }
  return null;
}

async function openRequest() {
  if (!$("open-passphrase-fields").hidden) return { passphrase: $("open-passphrase").value };
  const file = $("identity-file").files[0];
  // A picked file goes as its bytes: a protected identity file may be binary.
  const request = file
    ? { identity_file: base64(new Uint8Array(await file.arrayBuffer())), identity_name: file.name }
    : { identities: $("identity-text").value };
  if (!$("identity-passphrase-fields").hidden) request.identity_passphrase = $("identity-passphrase").value;
  return request;
}

// How the sender de-identified the records (the manifest's deidentification), as text:
// who the patient is called, the method and its options, what was sent although it may
// show identity, and what was left out.
function renderDeidentification(done) {
  const section = $("cover-deidentified");
  section.hidden = !done;
  if (!done) return $("cover-deidentified-facts").replaceChildren();
  const text = (tag, content) => Object.assign(document.createElement(tag), { textContent: content });
  const list = (lines) => {
    const items = document.createElement("ul");
    items.append(...lines.map((line) => text("li", line)));
    return items;
  };
  const shown = [
    text("p", `De-identified: the patient is called ${done.pseudonym}.`),
    text("p", `Method: ${done.method}${done.options.length ? `, with ${done.options.join(", ")}` : ""}.`),
    text("p", `Files cleaned of what identifies the patient: ${done.altered.length}.`),
  ];
  if (done.sent_anyway.length) {
    shown.push(
      text("p", "Sent although they may show identity:"),
      list(done.sent_anyway.map(({ name, how }) => `${name}: ${how}`)),
    );
  }
  if (done.left_out.length) shown.push(text("p", "Left out by the sender:"), list(done.left_out));
  $("cover-deidentified-facts").replaceChildren(...shown);
}

function renderOpened(result) {
  const { manifest, entries, groups, bundle } = result;
  const patient = manifest.patient;
  $("cover-title").textContent = `Records of ${patient.name || "a patient"}`;
  const facts = [
    ["Patient ID", patient.id || (result.made_up_patient_id && `none given; the DICOM copies carry the made-up ID ${result.made_up_patient_id}`)],
    ["Birth date", patient.birth_date],
    ["Sex", patient.sex],
    ["From", [manifest.sender.name, manifest.sender.organization].filter(Boolean).join(", ")],
    ["Contact", manifest.sender.contact],
    ["To", manifest.recipient.name],
    ["Sealed", manifest.created.replace("T", " ").replace("Z", " UTC")],
    ["Note", manifest.note],
    ["Consent", manifest.consent],
  ];
  $("cover-facts").replaceChildren(
    ...facts
      .filter(([, value]) => value)
      .flatMap(([term, value]) => [
        Object.assign(document.createElement("dt"), { textContent: term }),
        Object.assign(document.createElement("dd"), { textContent: value }),
      ]),
  );
  renderDeidentification(manifest.deidentification);
  renderChart($("open-chart"), groups, entries, bundle);
  const rows = $("open-files").tBodies[0];
  rows.replaceChildren();
  for (const entry of entries) {
    const blob = bundle.slice(entry.offset, entry.offset + entry.size, entry.media_type);
    const row = rows.insertRow();
    cell(row, thumbnail(blob, entry.media_type, `Preview of ${entry.path}`));
    cell(row, entry.path);
    cell(row, entry.kind);
    cell(row, [entry.label, entry.view_meaning, entry.study, entry.dicom_note].filter(Boolean).join(" · "));
    cell(row, formatSize(entry.size));
    cell(row, "✓ sha-256 matches");
    const save = Object.assign(document.createElement("button"), { type: "button", textContent: "Save" });
    save.setAttribute("aria-label", `Save ${entry.path}`);
    save.addEventListener("click", () => download(blob, entry.path.split("/").pop()));
    cell(row, save);
  }
  const zipName = sealed.name.replace(/\.age$/, "") || "records.zip";
  $("save-all").onclick = () => download(bundle, zipName);
  const folders = typeof window.showDirectoryPicker === "function";
  $("save-folder").hidden = !folders;
  $("save-note").textContent = folders
    ? "Save to a folder writes the records file by file, as imaging software imports them (DICOMDIR, DICOM, originals)."
    : "This browser cannot save into a folder: Save all gives one ZIP file, which unpacks to the same folders.";
  $("save-folder").onclick = () => saveToFolder(result, zipName.replace(/\.zip$/i, ""));
  $("cover").hidden = false;
}

/**
 * Write the records into a new folder `name` inside the folder the receiver picks, file
 * by file from the verified ZIP, so a large record never needs a second copy in memory.
 * A folder of that name that already holds files is left alone.
 */
async function saveToFolder({ layout, bundle }, name) {
  const message = $("open-message");
  let chosen;
  try {
    chosen = await window.showDirectoryPicker({ id: "orthoshare-records", mode: "readwrite" });
  } catch (error) {
    if (error.name === "AbortError") return; // the receiver closed the picker
    return showError(message, { message: `the folder could not be opened (${error.message})` });
  }
  const progress = $("open-progress");
  const report = showProgress(progress, "Saving");
  const total = layout.reduce((sum, file) => sum + file.size, 0);
  try {
    const root = await chosen.getDirectoryHandle(name, { create: true });
    if (!(await root.keys().next()).done) {
      return showError(message, {
        message: `${chosen.name} already has a folder ${name} with files in it`,
        hint: "choose another folder, or move that one away first",
      });
    }
    setState("working", "Saving…");
    let done = 0;
    for (const { path, offset, size } of layout) {
      const parts = path.split("/");
      if (parts.some((part) => part === "" || part === "." || part === "..")) {
        throw new Error(`${path} is not a name a folder can hold`);
      }
      let folder = root;
      for (const part of parts.slice(0, -1)) folder = await folder.getDirectoryHandle(part, { create: true });
      const file = await folder.getFileHandle(parts.at(-1), { create: true });
      const writable = await file.createWritable();
      await bundle.slice(offset, offset + size).stream().pipeTo(writable);
      done += size;
      report("writing files", done, total);
    }
    progress.hidden = true;
    message.textContent = `Saved ${layout.length} files in the folder ${name}.`;
    setState("done", `Saved to the folder ${name}.`);
  } catch (error) {
    progress.hidden = true;
    showError(message, { message: `saving to the folder stopped: ${error.message}` });
  }
}

/** Wire the Open view's pickers and form to `pageApi`, the page's requests to its worker (api.js). */
export function setUpOpen(pageApi) {
  api = pageApi;
  $("pick-sealed").addEventListener("change", (event) => {
    if (event.target.files.length) chooseSealed(event.target.files[0]);
  });
  dropZone($("open-drop"), (entries) => entries.length && chooseSealed(entries[0].file));
  $("identity-file").addEventListener("change", showIdentityPassphrase);
  $("identity-text").addEventListener("input", showIdentityPassphrase);

  $("open-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = $("open-message");
    message.textContent = "";
    $("cover").hidden = true;
    if (!sealed) return showError(message, { message: "choose the .zip.age file first" });
    const refused = identityRefused();
    if (refused) return showError(message, refused);
    $("identity-passphrase").removeAttribute("aria-invalid");
    setState("working", "Opening…");
    try {
      const request = await openRequest();
      const shownAs = await holdRecords();
      const progress = $("open-progress");
      const result = await cancellable(api, $("open-cancel"), progress, message, () =>
        api.call("open", [sealed, request, shownAs], { onProgress: showProgress(progress, "Opening") }),
      );
      if (!result) return letGoOfShown();
      renderOpened(result);
      message.textContent = `Opened and verified ${result.entries.length} files.`;
      setState("done", "Opened. Every file matched the sender's manifest.");
    } catch (error) {
      letGoOfShown();
      showError(message, error);
      if (error.kind === "WrongIdentityPassphraseError") {
        $("identity-passphrase").setAttribute("aria-invalid", "true");
        $("identity-passphrase").select();
      }
    }
  });
}
