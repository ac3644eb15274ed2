// The page side of the hardware limits, for bench/page_bench.py: it starts the one worker
// (limits-worker.js) that measures, and hands its answers to the bench through
// window.limitsBench. The site's policy allows no inline script, hence this file.

const worker = new Worker("limits-worker.js", { type: "module" });
let answer = null; // resolves the run in progress
let broken = null; // why the worker cannot answer

worker.onmessage = ({ data }) => answer?.(data);
worker.onerror = (event) => {
  broken = `the limits worker failed: ${event.message || "it could not load its modules"}`;
  answer?.({ error: broken });
};

/** Seal and hash `bytes` bytes in the worker; the seconds and bytes of each. */
async function run(bytes) {
  if (broken) throw new Error(broken);
  const result = await new Promise((resolve) => {
    answer = resolve;
    worker.postMessage(bytes);
  });
  answer = null;
  if (result.error) throw new Error(result.error);
  return result;
}

window.limitsBench = { run };
document.body.dataset.state = "ready";
