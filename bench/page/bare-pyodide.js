// The boot the page cannot go below: a module worker (bare-pyodide-worker.js) loads
// Pyodide from the site's own copy and imports what every Python program of the page
// imports; the body says "ready" when it has, as the page's does.

const worker = new Worker("bare-pyodide-worker.js", { type: "module" });
worker.onmessage = ({ data }) => {
  document.body.dataset.state = data === "ready" ? "ready" : "error";
};
worker.onerror = () => {
  document.body.dataset.state = "error";
};
