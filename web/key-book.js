// The Send form's key book: colleagues' public keys by name, each shown with its check
// words, ticked to seal to them. Python reads and extends the book (browser/keybook.py);
// its text lives only in this page's memory: it comes from a file the sender picks and
// leaves as a download, never through browser storage.

import { $, download, showError } from "./dom.js";

let api = null; // the page's requests to its worker, given to setUpKeyBook
const book = { text: "", entries: [], ticked: new Set() };
let onChange = () => {};
// A thousand colleagues with post-quantum keys (about 2 KB each) fit four times over;
// a larger file is not a key book, and is not read into memory to find that out.
const MAX_BOOK_BYTES = 8 * 1024 * 1024;

/** The public keys of the colleagues ticked, in the book's order. */
export function tickedKeys() {
  return book.entries.filter((entry) => book.ticked.has(entry.key)).map((entry) => entry.key);
}

function render() {
  const list = $("key-book-list");
  list.replaceChildren(
    ...book.entries.map((entry, index) => {
      const item = document.createElement("li");
      const box = Object.assign(document.createElement("input"), {
        type: "checkbox",
        id: `colleague-${index}`,
        checked: book.ticked.has(entry.key),
      });
      box.addEventListener("change", () => {
        if (box.checked) book.ticked.add(entry.key);
        else book.ticked.delete(entry.key);
        onChange();
      });
      // Names are the sender's data: text only, never markup.
      const label = Object.assign(document.createElement("label"), { htmlFor: box.id, textContent: entry.name });
      const words = Object.assign(document.createElement("span"), {
        className: "check-words",
        textContent: `check words: ${entry.check_words}`,
      });
      item.append(box, label, words);
      return item;
    }),
  );
  $("save-key-book").disabled = !book.text;
  onChange();
}

function keep(text, entries) {
  book.text = text;
  book.entries = entries;
  const keys = new Set(entries.map((entry) => entry.key));
  book.ticked = new Set([...book.ticked].filter((key) => keys.has(key)));
  render();
}

async function open(file) {
  const status = $("key-book-status");
  try {
    if (file.size > MAX_BOOK_BYTES) throw new Error(`${file.name} is too large to be a key book`);
    const text = await file.text();
    const { entries } = await api.call("readKeyBook", [text]);
    book.ticked.clear();
    keep(text, entries);
    status.textContent = `${entries.length} colleague${entries.length === 1 ? "" : "s"} in ${file.name}: tick whom to seal to.`;
  } catch (error) {
    showError(status, error);
  }
}

async function add() {
  const status = $("key-book-status");
  try {
    const { text, entries } = await api.call("addToKeyBook", [book.text, $("colleague-name").value, $("colleague-key").value]);
    const added = entries[entries.length - 1];
    book.ticked.add(added.key);
    keep(text, entries);
    $("colleague-name").value = "";
    $("colleague-key").value = "";
    status.textContent = `Added ${added.name} (check words: ${added.check_words}). Save the key book to keep it.`;
  } catch (error) {
    showError(status, error);
  }
}

/** Wire the key book's controls to `pageApi`; `changed` is called when the ticks change. */
export function setUpKeyBook(pageApi, changed) {
  api = pageApi;
  onChange = changed;
  $("pick-key-book").addEventListener("change", (event) => {
    const [file] = event.target.files;
    event.target.value = "";
    if (file) open(file);
  });
  $("add-colleague").addEventListener("click", add);
  $("save-key-book").addEventListener("click", () => {
    download(new Blob([book.text], { type: "text/plain" }), "orthoshare-key-book.txt");
  });
}
