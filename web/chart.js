// The opened records as a chart: each study with its series, then photos, radiographs,
// scans, documents and other files, as orthoshare.chart groups them. Each group opens
// to what it holds shown as the sender meant it (a series in the image viewer, the
// photos as a records composite, the scans in 3-D, a document as itself) and to its
// files, each of which can be saved alone.
//
// A viewer is made when its group is opened and destroyed when it is closed, so a
// long series or a large volume holds memory only while someone looks at it. The
// viewers' modules are imported then too: the site loads three.js or the codecs only
// for records that need them.

import { download, formatSize, thumbnail } from "./dom.js";

/**
 * Names of files shown as documents though their bytes did not say so: plain text, and
 * a file named like a PDF that is not one, which its preview then says.
 */
const DOCUMENT_NAME = /\.(pdf|txt|csv|md|json|xml)$/i;

/** Names of 3-D scan files, whatever their bytes turned out to be. */
const SCAN_NAME = /\.(stl|ply|obj|mtl)$/i;

/** What each kind of preview is made by: a module and its mount function. */
const VIEWERS = {
  series: () => import("./viewer.js").then((m) => m.mountSeriesViewer),
  photos: () => import("./photos.js").then((m) => m.mountPhotoComposite),
  scans: () => import("./scans.js").then((m) => m.mountScanViewer),
  document: () => import("./documents.js").then((m) => m.mountDocument),
};

/** The viewers shown now, so that new records, or closing a group, releases them. */
const mounted = new Set();

function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

function nameOf(path) {
  return path.split("/").pop();
}

/** The item a viewer is given for the file at `path`: its Blob and what the sender said. */
function itemOf(path, byPath, bundle) {
  const entry = byPath.get(path);
  return {
    name: nameOf(path),
    path,
    blob: bundle.slice(entry.offset, entry.offset + entry.size, entry.media_type),
    mediaType: entry.media_type,
    view: entry.view,
    viewMeaning: entry.view_meaning,
    slot: entry.slot,
    flip: entry.flip,
  };
}

/**
 * A container that a viewer fills once it is attached: the viewer's module loads, its
 * mount function runs, and a failure of either is said in the container itself, so the
 * rest of the records stay usable.
 */
function preview(kind, mountArguments, path = null) {
  const container = document.createElement("div");
  container.className = "preview";
  if (path) container.dataset.path = path; // which file a one-file preview shows
  const handle = { destroy() {} };
  mounted.add(handle);
  VIEWERS[kind]()
    .then((mount) => {
      if (!mounted.has(handle)) return;
      const viewer = mount(container, ...mountArguments);
      handle.destroy = () => viewer.destroy();
    })
    .catch(() => {
      container.dataset.preview = "error";
      container.textContent = "This preview could not be started; the files can still be saved.";
    });
  container.release = () => {
    mounted.delete(handle);
    handle.destroy();
  };
  return container;
}

function files(paths, byPath, bundle, group) {
  const list = document.createElement("ul");
  list.className = "chart-files";
  for (const path of paths) {
    const entry = byPath.get(path);
    const blob = bundle.slice(entry.offset, entry.offset + entry.size, entry.media_type);
    const name = nameOf(path);
    const item = document.createElement("li");
    if (group.kind === "photo" || group.kind === "radiograph") {
      item.append(thumbnail(blob, entry.media_type, `Preview of ${name}`));
    }
    const about = [name, entry.label, entry.view_meaning, formatSize(entry.size)].filter(Boolean);
    item.append(Object.assign(document.createElement("span"), { textContent: about.join(" · "), title: path }));
    const save = Object.assign(document.createElement("button"), { type: "button", textContent: "Save" });
    save.setAttribute("aria-label", `Save ${name} (${group.title})`);
    save.addEventListener("click", () => download(blob, name));
    item.append(save);
    // Why the file has no DICOM copy, or is not in the DICOMDIR, as the sender was told.
    if (entry.dicom_note) item.append(Object.assign(document.createElement("p"), { className: "file-note", textContent: entry.dicom_note }));
    list.append(item);
  }
  return list;
}

/** A group's files, listed when asked for: a 500-image series is one line until then. */
function fileList(paths, byPath, bundle, group) {
  return expandable(`Files (${paths.length})`, () => [files(paths, byPath, bundle, group)], {
    files: "",
  });
}

/**
 * An expandable section whose content (`makeContent()`, a list of nodes) is made each
 * time it opens and released when it closes: the viewers in it free their memory.
 */
function expandable(summaryText, makeContent, dataset) {
  const details = document.createElement("details");
  Object.assign(details.dataset, dataset);
  details.append(Object.assign(document.createElement("summary"), { textContent: summaryText }));
  details.addEventListener("toggle", () => {
    if (details.open && details.childElementCount === 1) details.append(...makeContent());
    if (!details.open) {
      for (const node of details.querySelectorAll(".preview")) node.release();
      while (details.childElementCount > 1) details.lastElementChild.remove();
    }
  });
  return details;
}

function seriesSummary(one, index) {
  const facts = [one.modality, plural(one.count, "image"), formatSize(one.size)];
  return `Series ${index + 1} · ${facts.filter(Boolean).join(", ")}`;
}

function study(group, byPath, bundle) {
  const series = () =>
    group.series.map((one, index) =>
      expandable(
        seriesSummary(one, index),
        () => [
          preview("series", [one.paths.map((path) => itemOf(path, byPath, bundle)), { title: seriesSummary(one, index) }]),
          fileList(one.paths, byPath, bundle, group),
        ],
        { series: String(index + 1) },
      ),
    );
  return expandable(
    `Study ${group.title}: ${plural(group.series.length, "series", "series")}, ${plural(group.count, "image")}, ${formatSize(group.size)}`,
    series,
    { groupKind: "study" },
  );
}

/**
 * The DICOM photographs whose ADA-1100 view is known (the sender's pick, or the one a VL
 * Photographic Image names itself), for the records composite beside the photos; they
 * stay in their study too.
 */
function dicomPhotos(byPath, bundle) {
  return [...byPath.values()].filter(isDicomPhoto).map((entry) => itemOf(entry.path, byPath, bundle));
}

/** Whether `entry` is a DICOM photograph of known view. */
function isDicomPhoto(entry) {
  return entry.media_type === "application/dicom" && Boolean(entry.view);
}

/**
 * `groups`, with a group of the DICOM photographs of known view after the studies when
 * the records hold no photo of their own, so that those still make a composite.
 */
function withDicomPhotos(groups, byPath) {
  const viewed = [...byPath.values()].filter(isDicomPhoto);
  if (!viewed.length || groups.some((group) => group.kind === "photo")) return groups;
  const photos = {
    kind: "photo",
    title: "Photos (DICOM photographs)",
    count: viewed.length,
    size: viewed.reduce((sum, entry) => sum + entry.size, 0),
    paths: viewed.map((entry) => entry.path),
  };
  const after = groups.filter((group) => group.kind === "study").length;
  return [...groups.slice(0, after), photos, ...groups.slice(after)];
}

/**
 * What a group of files other than a study shows above its list of files. The photos'
 * composite also places the DICOM photographs of known view. The scan viewer is also
 * handed every picture of the records, among which it finds an MTL's textures by name
 * (a texture is sniffed as a photo); and files named like scans that their bytes did
 * not bear out go to it from the other files, so that it says what is wrong with them.
 */
function previews(group, byPath, bundle, pictures) {
  const items = group.paths.map((path) => itemOf(path, byPath, bundle));
  if (group.kind === "photo") {
    const listed = new Set(group.paths);
    const dicom = dicomPhotos(byPath, bundle).filter((item) => !listed.has(item.path));
    return [preview("photos", [[...items, ...dicom], { title: group.title }])];
  }
  if (group.kind === "scan") {
    return [preview("scans", [[...items, ...pictures()], { title: group.title }])];
  }
  const shown = [];
  const scans = items.filter((item) => SCAN_NAME.test(item.name));
  if (scans.length) shown.push(preview("scans", [scans, { title: group.title }]));
  for (const item of items) {
    if (item.mediaType === "application/pdf" || DOCUMENT_NAME.test(item.name)) {
      shown.push(preview("document", [item], item.path));
    }
  }
  return shown;
}

/**
 * Render `groups` (the open result's chart) into `target`: one expandable group each,
 * a study's series inside it, each opening to its viewer and its files; every file has
 * its own Save button. Viewers of records shown before are released first.
 */
export function renderChart(target, groups, entries, bundle) {
  for (const handle of mounted) handle.destroy();
  mounted.clear();
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  const pictures = () =>
    entries
      .filter((entry) => entry.kind !== "scan" && /^image\/(png|jpeg)$/.test(entry.media_type))
      .map((entry) => itemOf(entry.path, byPath, bundle));
  target.replaceChildren(
    ...withDicomPhotos(groups, byPath).map((group) => {
      if (group.kind === "study") return study(group, byPath, bundle);
      return expandable(
        `${group.title}: ${plural(group.count, "file")}, ${formatSize(group.size)}`,
        () => [
          ...previews(group, byPath, bundle, pictures),
          fileList(group.paths, byPath, bundle, group),
        ],
        { groupKind: group.kind },
      );
    }),
  );
}
