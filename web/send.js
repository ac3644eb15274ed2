// The Send view: the files to seal, what the sender says of each (label, view,
// radiograph), the patient, sending de-identified, the parties, the protection
// (passphrase or public keys), then seal and download.

import { CANCELLED } from "./api.js";
import { $, cancellable, cell, download, dropZone, formatSize, passphraseFields, setState, showError, showProgress, thumbnail } from "./dom.js";
import { setUpKeyBook, tickedKeys } from "./key-book.js";

let api = null; // the page's requests to its worker, given to setUpSend
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
    reviewDeidentification();
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
  return choice(options, item.view, `ADA-1100 view of ${item.path}`, (code) => {
    item.view = code;
    reviewDeidentification(); // a view says whether a photo shows the face
  });
}

// Why a file will have no DICOM object, or not be in the DICOMDIR: Python read it from
// the file's start (describe), for the file as a photo and as a marked radiograph.
function dicomNote(item) {
  return (item.radiograph ? item.info.radiograph_note : item.info.note) ?? "";
}

// Whether sealing will make a DICOM object of the file.
function becomesObject(item) {
  return !item.info.error && !item.info.dicom && item.info.kind !== "dicom" && !dicomNote(item);
}

function noteLine(item) {
  const note = dicomNote(item);
  if (!note) return [];
  const line = Object.assign(document.createElement("p"), { className: "file-note" });
  line.textContent = `${note[0].toUpperCase()}${note.slice(1)}.`;
  return [line];
}

// Imaging software files what it imports by patient ID: without one, the objects
// made here carry a made-up one (dicom/collect.py says why), and the sender is told first.
function showPatientIdNote() {
  const made = items.filter(becomesObject).length;
  const note = $("patient-id-note");
  // Sent de-identified, every object carries the pseudonym as its patient ID.
  note.hidden = made === 0 || Boolean($("patient-id").value.trim()) || deidentifying();
  note.textContent = note.hidden
    ? ""
    : `Imaging software files records by patient ID. Without one, the DICOM copies of ${made} ` +
      `file${made === 1 ? "" : "s"} will carry a made-up ID (ORTHOSHARE-…), which the receiving ` +
      "practice must match to its own patient.";
}

// What the sender says a file shows: for a picture, photo or radiograph and its view;
// for a scan, its 3-D view; for DICOM, what it says itself.
function aboutCell(item) {
  const { format, dicom, error } = item.info;
  if (error) return document.createTextNode(`Cannot be used: ${error.message}`);
  if (dicom) {
    const patient = dicom.patient_name || dicom.patient_id || "no patient named";
    const study = [dicom.modality, dicom.study_date, dicom.study_description].filter(Boolean).join(" · ");
    const box = document.createElement("div");
    box.append([study, patient].filter(Boolean).join(" — "), ...noteLine(item));
    return box;
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
        reviewDeidentification();
      }),
      view,
    );
  } else if (MESH_FORMATS.has(format)) box.append(viewChoice(item, "3d"));
  box.append(...noteLine(item));
  return box;
}

function renderSendFiles() {
  const table = $("send-files");
  const rows = table.tBodies[0];
  rows.replaceChildren();
  table.hidden = items.length === 0;
  showPatientIdNote();
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
      reviewDeidentification();
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

function protection() {
  return document.querySelector("input[name=protect]:checked").value;
}

function recipientLines() {
  return $("recipient-keys")
    .value.split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
}

// Says each pasted key's check words, and whether there is anyone to seal to: a key
// pasted or a colleague ticked in the key book.
async function checkRecipients() {
  const lines = recipientLines();
  const said = [];
  for (const [index, line] of lines.entries()) {
    try {
      const { check_words: words } = await api.call("parseRecipient", [line]);
      said.push(`Key ${index + 1}: check words ${words}.`);
    } catch (error) {
      $("recipient-keys-status").textContent = `Key ${index + 1} is not valid: ${error.message}.`;
      return false;
    }
  }
  const count = lines.length + tickedKeys().length;
  if (count) said.unshift(`${count} valid key${count === 1 ? "" : "s"}.`);
  $("recipient-keys-status").textContent = said.join(" ");
  return count > 0;
}

// ---- sending de-identified ------------------------------------------------------------

function deidentifying() {
  return $("deidentify").checked;
}

function annotation(item) {
  return {
    label: item.label ?? null,
    view: item.view ?? null,
    kind: item.radiograph ? "radiograph" : null,
    radiograph: item.radiograph ?? null,
  };
}

function annotations() {
  return items.map(annotation);
}

// The sender's choices, as orthoshare.records.DeidentifyChoices has them, or null.
function deidentifyChoices() {
  if (!deidentifying()) return null;
  return {
    pseudonym: $("pseudonym").value.trim(),
    retain_modified_dates: $("retain-dates").checked,
    clean_descriptors: $("clean-descriptors").checked,
    retain_patient_characteristics: $("retain-characteristics").checked,
    send_burned_in: $("send-burned-in").checked,
    send_face_photos: !$("leave-out-face").checked,
    send_uncleanable: $("send-uncleanable").checked,
  };
}

// Whether a file with each reason Python gives (browser/api.py's
// review_deidentification) goes, with the sender's choices as they stand.
const SENT_WHEN = {
  burned_in: () => $("send-burned-in").checked,
  uncleanable: () => $("send-uncleanable").checked,
  face: () => !$("leave-out-face").checked,
};

let reviewed = []; // [{path, reasons: {category: why}}], of the files that have reasons
let reviews = 0; // the number of the latest review asked for: only its answer is shown
// Python's answer for each item, kept while what it depends on stands: the file, and
// what the sender says it shows. Python reads a photo or a scan whole, cleaning it, to
// learn whether it can be cleaned, so a change of one view asks about that file alone.
const answers = new WeakMap(); // item -> {shows, reasons}
const shows = (item) => JSON.stringify([item.view ?? null, item.radiograph ?? null]);

// The files that need a look, each with why and whether it goes: as text only, since
// paths are the sender's data.
function renderReview() {
  const lines = reviewed.map(({ path, reasons }) => {
    const sent = Object.keys(reasons).every((category) => SENT_WHEN[category]());
    const line = document.createElement("li");
    line.dataset.reasons = Object.keys(reasons).join(" ");
    line.dataset.outcome = sent ? "sent" : "left out";
    line.textContent = `${path}: ${Object.values(reasons).join("; ")}. ${sent ? "Sent." : "Left out."}`;
    return line;
  });
  $("deidentify-review").replaceChildren(...lines);
  const cleaned = items.length - reviewed.length;
  $("deidentify-review-summary").textContent = !items.length
    ? "Add the files: the page then says which ones need your choice."
    : !reviewed.length
      ? `All ${items.length} file${items.length === 1 ? "" : "s"} can be cleaned.`
      : `${cleaned} file${cleaned === 1 ? "" : "s"} can be cleaned. ` +
        `${reviewed.length === 1 ? "This one needs" : "These need"} your choice:`;
}

// Ask Python which files sealing de-identified would leave out, or send although they
// may show identity; the list is busy until the latest answer is in.
async function reviewDeidentification() {
  if (!deidentifying()) return;
  const number = ++reviews;
  const list = $("deidentify-review");
  list.setAttribute("aria-busy", "true");
  const files = items.slice();
  const asked = files.filter((item) => answers.get(item)?.shows !== shows(item));
  try {
    if (asked.length) {
      const entries = asked.map(({ file, path }) => ({ file, path }));
      const showing = asked.map(shows);
      const answer = await api.call("reviewDeidentification", [entries, { annotations: asked.map(annotation) }]);
      asked.forEach((item, index) => answers.set(item, { shows: showing[index], reasons: answer.files[index] }));
    }
    if (number !== reviews) return;
    reviewed = files
      .map((item) => ({ path: item.path, reasons: answers.get(item).reasons }))
      .filter(({ reasons }) => Object.keys(reasons).length);
    renderReview();
  } catch (error) {
    if (number !== reviews) return;
    // Cancel (of a seal) started a new worker: ask it.
    if (error.kind === CANCELLED) return reviewDeidentification();
    reviewed = [];
    $("deidentify-review").replaceChildren();
    const hint = error.hint ? ` ${error.hint[0].toUpperCase()}${error.hint.slice(1)}.` : "";
    $("deidentify-review-summary").textContent = `The files could not be checked: ${error.message}.${hint}`;
  } finally {
    if (number === reviews) list.setAttribute("aria-busy", "false");
  }
}

function showDeidentify() {
  const on = deidentifying();
  $("deidentify-options").hidden = !on;
  $("pseudonym").required = on;
  $("patient-deidentified-note").hidden = !on;
  showPatientIdNote();
  if (on) reviewDeidentification();
}

function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

// What sealing de-identified did, for the sender: files cleaned, left out and sent
// anyway, and how far the dates moved, which the file does not hold.
function deidentifiedSummary(result) {
  const done = result.manifest.deidentification;
  if (!done) return [];
  const said = [
    document.createTextNode(
      [
        ` De-identified: the patient is called ${done.pseudonym}; ${plural(done.altered.length, "file")} cleaned.`,
        done.left_out.length && `Left out: ${done.left_out.join("; ")}.`,
        done.sent_anyway.length &&
          `Sent although ${done.sent_anyway.length === 1 ? "it" : "they"} may show identity: ` +
            `${done.sent_anyway.map(({ name, how }) => `${name} (${how})`).join("; ")}.`,
      ]
        .filter(Boolean)
        .join(" "),
    ),
  ];
  const days = result.date_offset_days;
  if (Number.isInteger(days)) {
    const offset = Object.assign(document.createElement("strong"), { id: "date-offset", textContent: `${-days} days` });
    offset.dataset.days = String(days);
    said.push(
      " Dates in the records were moved back by ",
      offset,
      ". This number is not in the file: keep it if you need the true dates again.",
    );
  } else if (!$("retain-dates").checked) said.push(" Dates were removed from the records.");
  return said;
}

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
    },
    annotations: annotations(),
    passphrase: null,
    recipients: [],
    armor: false,
    allow_mixed_patients: $("allow-mixed").checked,
    // The patient's fields still go to Python, which finds them in the records to
    // remove them; the file holds the pseudonym instead (deidentify/prepare.py).
    deidentify: deidentifyChoices(),
  };
  if (protection() === "passphrase") request.passphrase = $("passphrase").value;
  else request.recipients = [...tickedKeys(), ...recipientLines()];
  return request;
}

/** Wire the Send view's pickers, fields and buttons to `pageApi`, the page's requests to its worker (api.js). */
export function setUpSend(pageApi) {
  api = pageApi;
  for (const id of Object.values(PATIENT_FIELDS)) {
    $(id).addEventListener("change", () => checkPatients().catch((error) => showError($("send-message"), error)));
  }
  $("patient-id").addEventListener("input", showPatientIdNote);

  $("pick-files").addEventListener("change", (event) => addFiles(fromPicker(event.target)));
  $("pick-folder").addEventListener("change", (event) => addFiles(fromPicker(event.target)));

  dropZone($("send-drop"), addFiles);

  for (const radio of document.querySelectorAll("input[name=protect]")) {
    radio.addEventListener("change", () => {
      $("passphrase-fields").hidden = protection() !== "passphrase";
      $("keys-fields").hidden = protection() !== "keys";
    });
  }

  passphraseFields(api, "passphrase", "generate-passphrase");

  $("deidentify").addEventListener("change", showDeidentify);
  $("pseudonym").addEventListener("input", () => $("pseudonym").removeAttribute("aria-invalid"));
  for (const id of ["send-burned-in", "send-uncleanable", "leave-out-face"]) {
    $(id).addEventListener("change", renderReview);
  }

  $("recipient-keys").addEventListener("input", checkRecipients);
  setUpKeyBook(api, checkRecipients);

  $("send-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const message = $("send-message");
    message.textContent = "";
    if (!items.length) return showError(message, { message: "add the files to send first" });
    if (deidentifying() && !$("pseudonym").value.trim()) {
      $("pseudonym").setAttribute("aria-invalid", "true");
      $("pseudonym").focus();
      return showError(message, { message: "type a pseudonym for the patient, such as Case 12" });
    }
    if (protection() === "passphrase") {
      if (!$("passphrase").value) return showError(message, { message: "type or generate a passphrase" });
      if ($("passphrase").value !== $("passphrase-again").value)
        return showError(message, { message: "the two passphrases differ" });
    } else if (!(await checkRecipients())) {
      return showError(message, { message: "tick a colleague in the key book or add a valid public key (age1…)" });
    }
    setState("working", "Sealing…");
    try {
      const entries = items.map(({ file, path }) => ({ file, path }));
      const progress = $("send-progress");
      const result = await cancellable(api, $("send-cancel"), progress, message, () =>
        api.call("seal", [entries, sealRequest()], { onProgress: showProgress(progress, "Sealing") }),
      );
      if (!result) return;
      $("mixed-patients").hidden = true;
      $("allow-mixed").checked = false;
      download(result.file, result.name);
      const kept = result.manifest.entries.filter((entry) => entry.dicom_note).length;
      message.textContent = [
        `Sealed ${result.manifest.entries.length} files into ${result.name}.`,
        result.made_up_patient_id && `The DICOM copies carry the made-up patient ID ${result.made_up_patient_id}.`,
        kept && `${kept} file${kept === 1 ? " has" : "s have"} no DICOM copy or stay${kept === 1 ? "s" : ""} outside the DICOMDIR, as listed above.`,
      ]
        .filter(Boolean)
        .join(" ");
      message.append(...deidentifiedSummary(result));
      setState("done", "Sealed. The browser downloaded the encrypted file.");
    } catch (error) {
      showError(message, error);
      // The DICOM files name more than one patient: nothing is sealed until the
      // sender looks and confirms explicitly.
      if (error.kind === "MixedPatientsError") $("mixed-patients").hidden = false;
    }
  });
}
