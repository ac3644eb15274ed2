// The opened records as a chart: each study with its series, then photos, radiographs,
// scans, documents and other files, as orthoshare.chart groups them. Each group opens
// to its files, and each file can be saved alone. Nothing of a file is rendered but
// text and, for a JPEG or PNG, an <img>.

import { download, formatSize, thumbnail } from "./dom.js";

function plural(count, one, many = `${one}s`) {
  return `${count} ${count === 1 ? one : many}`;
}

function files(paths, byPath, bundle, group) {
  const list = document.createElement("ul");
  list.className = "chart-files";
  for (const path of paths) {
    const entry = byPath.get(path);
    const blob = bundle.slice(entry.offset, entry.offset + entry.size, entry.media_type);
    const name = path.split("/").pop();
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
    list.append(item);
  }
  return list;
}

// A group's content is made the first time it is opened: a series of thousands of
// slices costs nothing until someone asks to see its files.
function expandable(summaryText, makeContent, dataset) {
  const details = document.createElement("details");
  Object.assign(details.dataset, dataset);
  details.append(Object.assign(document.createElement("summary"), { textContent: summaryText }));
  details.addEventListener("toggle", () => {
    if (details.open && details.childElementCount === 1) details.append(makeContent());
  });
  return details;
}

/**
 * Render `groups` (the open result's chart) into `target`: one expandable group each,
 * a study's series inside it, every file with its own Save button.
 */
export function renderChart(target, groups, entries, bundle) {
  const byPath = new Map(entries.map((entry) => [entry.path, entry]));
  target.replaceChildren(
    ...groups.map((group) => {
      const size = formatSize(group.size);
      if (group.kind !== "study") {
        return expandable(`${group.title}: ${plural(group.count, "file")}, ${size}`,
          () => files(group.paths, byPath, bundle, group), { groupKind: group.kind });
      }
      const series = () => {
        const content = document.createElement("div");
        content.append(
          ...group.series.map((one, index) =>
            expandable(
              `Series ${index + 1}${one.modality ? ` · ${one.modality}` : ""}: ${plural(one.count, "image")}, ${formatSize(one.size)}`,
              () => files(one.paths, byPath, bundle, group),
              { series: String(index + 1) },
            ),
          ),
        );
        return content;
      };
      return expandable(
        `Study ${group.title}: ${plural(group.series.length, "series", "series")}, ${plural(group.count, "image")}, ${size}`,
        series,
        { groupKind: "study" },
      );
    }),
  );
}
