// The page: DOM only. All work happens in the worker (web/worker.js), in Python.
//
// The page's state is on <body data-state>: booting, ready, working, done, error,
// so people and tests can tell where it is without guessing. Patient data is
// never written to storage, the console or the URL.

import { CANCELLED, createApi } from "./api.js";
import { startWorker } from "./start-worker.js";

const $ = (id) => document.getElementById(id);
const body = document.body;
const IMAGE_TYPES = new Set(["image/jpeg", "image/png"]);

function setState(state, message = "") {
  body.dataset.state = state;
  if (message) $("status").textContent = message;
}

// What the page cannot run without (DecompressionStream: the single file unpacks
// itself with it). Every current engine has all of it; an older browser gets one
// plain sentence instead of a failure later.
const missing = [
  ["Web Workers", typeof Worker],
  ["WebAssembly", typeof WebAssembly],
  ["Blob", typeof Blob],
  ["BigInt64Array", typeof BigInt64Array],
  ["DecompressionStream", typeof DecompressionStream],
].filter(([, type]) => type === "undefined");
if (missing.length) {
  const lacks = missing.map(([name]) => name).join(", ");
  setState("error", `This browser is too old for orthoshare (it lacks ${lacks}): open the page in a current Chrome, Edge, Firefox or Safari.`);
  throw new Error("unsupported browser");
}

const api = createApi(startWorker, {
  onBootStep: (step) => setState("booting", `Starting: ${step}…`),
  onReady: () => setState("ready", "Ready. Nothing you add leaves this computer."),
  onBootError: (message) =>
    setState("error", `orthoshare could not start in this browser: ${message}`),
});

// ---- helpers -----------------------------------------------------------------------

// Each object URL is revoked as soon as it has served, since it keeps its Blob (a
// patient's file, or the sealed file) in memory for as long as the page lives.
function download(blob, name) {
  const url = URL.createObjectURL(blob);
  const link = Object.assign(document.createElement("a"), { href: url, download: name });
  document.body.append(link);
  link.click();
  link.remove();
  // Firefox reads the URL only after the click's task ends (its bug 1282407).
  setTimeout(() => URL.revokeObjectURL(url));
}

function formatSize(bytes) {
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

function cell(row, content) {
  const td = row.insertCell();
  if (content instanceof Node) td.append(content);
  else td.textContent = content ?? "";
  return td;
}

function thumbnail(blob, mediaType, alt) {
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

function showError(target, error) {
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

// Bytes done of the total and, once a step has run for a moment, the time left at its
// pace so far; each step (decrypting, verifying…) is timed from its own start.
function showProgress(bar, label) {
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

// Runs `work` with a Cancel button shown; a cancelled run says so and is not an error.
async function cancellable(cancel, progress, message, work) {
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

// ---- tabs --------------------------------------------------------------------------

for (const tab of document.querySelectorAll("nav button")) {
  tab.addEventListener("click", () => {
    for (const other of document.querySelectorAll("nav button")) {
      const selected = other === tab;
      other.setAttribute("aria-pressed", String(selected));
      $(other.getAttribute("aria-controls")).hidden = !selected;
    }
  });
}

// ---- send --------------------------------------------------------------------------

let items = []; // {file, path, info, label, view, radiograph}
let views = null; // the ADA-1100 views, asked of Python once: {code, meaning, kind, site}

async function addFiles(entries) {
  if (!entries.length) return;
  setState("working", "Looking at the files…");
  try {
    views ??= await api.call("views");
    const infos = await api.call("describe", [entries]);
    entries.forEach((entry, index) => items.push({ ...entry, info: infos[index] }));
    renderSendFiles();
    await checkPatients({ prefill: true });
    setState("ready", `${items.length} file${items.length === 1 ? "" : "s"} ready to seal.`);
  } catch (error) {
    showError($("send-message"), error);
  }
}

const PATIENT_FIELDS = { name: "patient-name", id: "patient-id", birth_date: "patient-birth-date", sex: "patient-sex" };

function enteredPatient() {
  return Object.fromEntries(Object.entries(PATIENT_FIELDS).map(([key, id]) => [key, $(id).value.trim()]));
}

// What the DICOM files say of the patient: fill an empty form from them, and say at
// once where they disagree with each other or with what was entered. Sealing checks
// again (the guard itself is in Python); this only spares the sender a surprise.
async function checkPatients({ prefill = false } = {}) {
  const found = items.filter((item) => item.info.dicom).map((item) => ({ path: item.path, dicom: item.info.dicom }));
  const entered = enteredPatient();
  const { suggested, conflicts } = await api.call("patients", [{ found, entered }]);
  if (prefill && suggested && Object.values(entered).every((value) => !value)) {
    for (const [key, id] of Object.entries(PATIENT_FIELDS)) $(id).value = suggested[key] ?? "";
    $("patient-source").textContent = "Filled in from the DICOM files: check it against your records.";
  }
  $("patient-conflicts").replaceChildren(
    ...conflicts.map((text) => Object.assign(document.createElement("li"), { textContent: `${text}.` })),
  );
  $("patient-warning").hidden = conflicts.length === 0;
}
for (const id of Object.values(PATIENT_FIELDS)) {
  $(id).addEventListener("change", () => checkPatients().catch((error) => showError($("send-message"), error)));
}

// Radiographs look like any JPEG or PNG: only the sender can say a picture is one.
const IMAGE_ROLES = [
  ["", "Photo"],
  ["panoramic", "Panoramic radiograph"],
  ["cephalometric", "Cephalometric radiograph"],
];
const MESH_FORMATS = new Set(["stl", "obj"]);

function choice(options, selected, label, onChange) {
  const select = document.createElement("select");
  for (const [value, text] of options) select.add(new Option(text, value, false, value === (selected ?? "")));
  select.setAttribute("aria-label", label);
  select.addEventListener("change", () => onChange(select.value || null));
  return select;
}

function viewChoice(item, kind) {
  const options = [["", "— no view —"], ...views.filter((v) => v.kind === kind).map((v) => [v.code, `${v.code} ${v.meaning}`])];
  return choice(options, item.view, `ADA-1100 view of ${item.path}`, (code) => (item.view = code));
}

// What the sender says a file shows: for a picture, photo or radiograph and its view;
// for a scan, its 3-D view; for DICOM, what it says itself.
function aboutCell(item) {
  const { format, dicom, error } = item.info;
  if (error) return document.createTextNode(`Cannot be used: ${error.message}`);
  if (dicom) {
    const patient = dicom.patient_name || dicom.patient_id || "no patient named";
    const study = [dicom.modality, dicom.study_date, dicom.study_description].filter(Boolean).join(" · ");
    return document.createTextNode([study, patient].filter(Boolean).join(" — "));
  }
  const box = document.createElement("div");
  if (format === "jpeg" || format === "png") {
    const view = viewChoice(item, "photo");
    view.hidden = Boolean(item.radiograph);
    box.append(
      choice(IMAGE_ROLES, item.radiograph, `What ${item.path} is`, (role) => {
        item.radiograph = role;
        item.view = role ? null : item.view;
        renderSendFiles();
      }),
      view,
    );
  } else if (MESH_FORMATS.has(format)) box.append(viewChoice(item, "3d"));
  return box;
}

function renderSendFiles() {
  const table = $("send-files");
  const rows = table.tBodies[0];
  rows.replaceChildren();
  table.hidden = items.length === 0;
  items.forEach((item, index) => {
    const row = rows.insertRow();
    cell(row, thumbnail(item.file, item.info.media_type, `Preview of ${item.path}`));
    cell(row, item.path);
    cell(row, item.radiograph ? "radiograph" : item.info.kind);
    cell(row, formatSize(item.file.size));
    const label = Object.assign(document.createElement("input"), { value: item.label ?? "" });
    label.setAttribute("aria-label", `Label of ${item.path}`);
    label.addEventListener("input", () => (item.label = label.value.trim() || null));
    cell(row, label);
    cell(row, aboutCell(item));
    const remove = Object.assign(document.createElement("button"), {
      type: "button",
      textContent: "Remove",
    });
    remove.setAttribute("aria-label", `Remove ${item.path}`);
    remove.addEventListener("click", () => {
      items.splice(index, 1);
      renderSendFiles();
      checkPatients().catch((error) => showError($("send-message"), error));
    });
    cell(row, remove);
  });
}

function fromPicker(input) {
  const picked = [...input.files].map((file) => ({ file, path: file.webkitRelativePath || file.name }));
  input.value = "";
  return picked;
}
$("pick-files").addEventListener("change", (event) => addFiles(fromPicker(event.target)));
$("pick-folder").addEventListener("change", (event) => addFiles(fromPicker(event.target)));

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

function dropZone(zone, onEntries) {
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
dropZone($("send-drop"), addFiles);

function protection() {
  return document.querySelector("input[name=protect]:checked").value;
}
for (const radio of document.querySelectorAll("input[name=protect]")) {
  radio.addEventListener("change", () => {
    $("passphrase-fields").hidden = protection() !== "passphrase";
    $("keys-fields").hidden = protection() !== "keys";
  });
}

$("passphrase").addEventListener("input", async () => {
  const passphrase = $("passphrase").value;
  if (!passphrase) return ($("passphrase-strength").textContent = "");
  const { bits, verdict } = await api.call("passphraseStrength", [passphrase]);
  $("passphrase-strength").textContent = `Strength: ${verdict} (about ${bits} bits).`;
});

$("generate-passphrase").addEventListener("click", async () => {
  const { passphrase } = await api.call("generatePassphrase");
  for (const id of ["passphrase", "passphrase-again"]) {
    $(id).value = passphrase;
    $(id).type = "text"; // it must be read out or copied to the recipient
  }
  $("passphrase").dispatchEvent(new Event("input"));
});

function recipientLines() {
  return $("recipient-keys")
    .value.split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}

async function checkRecipients() {
  const lines = recipientLines();
  for (const [index, line] of lines.entries()) {
    try {
      await api.call("parseRecipient", [line]);
    } catch (error) {
      $("recipient-keys-status").textContent = `Key ${index + 1} is not valid: ${error.message}.`;
      return false;
    }
  }
  $("recipient-keys-status").textContent = lines.length
    ? `${lines.length} valid key${lines.length === 1 ? "" : "s"}.`
    : "";
  return lines.length > 0;
}
$("recipient-keys").addEventListener("input", checkRecipients);

function sealRequest() {
  const value = (id) => $(id).value.trim();
  const request = {
    details: {
      patient: {
        name: value("patient-name"),
        id: value("patient-id"),
        birth_date: value("patient-birth-date"),
        sex: value("patient-sex"),
      },
      sender: {
        name: value("sender-name"),
        organization: value("sender-organization"),
        contact: value("sender-contact"),
      },
      recipient: { name: value("recipient-name") },
      note: $("note").value,
      consent: $("consent").value,
      deidentified: false,
    },
    annotations: items.map((item) => ({
      label: item.label ?? null,
      view: item.view ?? null,
      kind: item.radiograph ? "radiograph" : null,
      radiograph: item.radiograph ?? null,
    })),
    passphrase: null,
    recipients: [],
    armor: false,
    allow_mixed_patients: $("allow-mixed").checked,
  };
  if (protection() === "passphrase") request.passphrase = $("passphrase").value;
  else request.recipients = recipientLines();
  return request;
}

$("send-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = $("send-message");
  message.textContent = "";
  if (!items.length) return showError(message, { message: "add the files to send first" });
  if (protection() === "passphrase") {
    if (!$("passphrase").value) return showError(message, { message: "type or generate a passphrase" });
    if ($("passphrase").value !== $("passphrase-again").value)
      return showError(message, { message: "the two passphrases differ" });
  } else if (!(await checkRecipients())) {
    return showError(message, { message: "add at least one valid public key (age1…)" });
  }
  setState("working", "Sealing…");
  try {
    const entries = items.map(({ file, path }) => ({ file, path }));
    const progress = $("send-progress");
    const result = await cancellable($("send-cancel"), progress, message, () =>
      api.call("seal", [entries, sealRequest()], { onProgress: showProgress(progress, "Sealing") }),
    );
    if (!result) return;
    $("mixed-patients").hidden = true;
    $("allow-mixed").checked = false;
    download(result.file, result.name);
    message.textContent = `Sealed ${result.manifest.entries.length} files into ${result.name}.`;
    setState("done", "Sealed. The browser downloaded the encrypted file.");
  } catch (error) {
    showError(message, error);
    // The DICOM files name more than one patient: nothing is sealed until the
    // sender looks and confirms explicitly.
    if (error.kind === "MixedPatientsError") $("mixed-patients").hidden = false;
  }
});

// ---- open --------------------------------------------------------------------------

let sealed = null;

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
$("pick-sealed").addEventListener("change", (event) => {
  if (event.target.files.length) chooseSealed(event.target.files[0]);
});
dropZone($("open-drop"), (entries) => entries.length && chooseSealed(entries[0].file));

async function openRequest() {
  if (!$("open-passphrase-fields").hidden) return { passphrase: $("open-passphrase").value };
  const file = $("identity-file").files[0];
  return { identities: file ? await file.text() : $("identity-text").value };
}

function renderOpened(result) {
  const { manifest, entries, bundle } = result;
  const patient = manifest.patient;
  $("cover-title").textContent = `Records of ${patient.name || "a patient"}`;
  const facts = [
    ["Patient ID", patient.id],
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
  const rows = $("open-files").tBodies[0];
  rows.replaceChildren();
  for (const entry of entries) {
    const blob = bundle.slice(entry.offset, entry.offset + entry.size, entry.media_type);
    const row = rows.insertRow();
    cell(row, thumbnail(blob, entry.media_type, `Preview of ${entry.path}`));
    cell(row, entry.path);
    cell(row, entry.kind);
    cell(row, [entry.label, entry.view, entry.study].filter(Boolean).join(" · "));
    cell(row, formatSize(entry.size));
    cell(row, "✓ sha-256 matches");
    const save = Object.assign(document.createElement("button"), { type: "button", textContent: "Save" });
    save.setAttribute("aria-label", `Save ${entry.path}`);
    save.addEventListener("click", () => download(blob, entry.path.split("/").pop()));
    cell(row, save);
  }
  $("save-all").onclick = () => download(bundle, sealed.name.replace(/\.age$/, "") || "records.zip");
  $("cover").hidden = false;
}

$("open-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const message = $("open-message");
  message.textContent = "";
  $("cover").hidden = true;
  if (!sealed) return showError(message, { message: "choose the .zip.age file first" });
  setState("working", "Opening…");
  try {
    const request = await openRequest();
    const progress = $("open-progress");
    const result = await cancellable($("open-cancel"), progress, message, () =>
      api.call("open", [sealed, request], { onProgress: showProgress(progress, "Opening") }),
    );
    if (!result) return;
    renderOpened(result);
    message.textContent = `Opened and verified ${result.entries.length} files.`;
    setState("done", "Opened. Every file matched the sender's manifest.");
  } catch (error) {
    showError(message, error);
  }
});

// ---- keys --------------------------------------------------------------------------

let identityFile = "";

$("keygen").addEventListener("click", async () => {
  const key = await api.call("keygen");
  identityFile = key.identity_file;
  $("public-key").value = key.public_key;
  $("key-result").hidden = false;
  setState("done", "New key generated. Save your identity file now.");
});

$("copy-public-key").addEventListener("click", async () => {
  try {
    await navigator.clipboard.writeText($("public-key").value);
  } catch {
    // No clipboard API on plain-http intranet pages: select for Ctrl+C instead.
    $("public-key").select();
  }
});

$("save-identity").addEventListener("click", () => {
  download(new Blob([identityFile], { type: "text/plain" }), "orthoshare-identity.txt");
});
