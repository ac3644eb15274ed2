"""The parts of bench/page_bench.py, which is only its command line.

- machine: the programs it runs, the folders it works in, the facts it reports;
- site: the site built and served, and its single file alone in a folder;
- records: the inputs of a workload, generated from a seed once and reused;
- mixed: the "mixed records" workload (a CT series, STL, JPEG, PDF);
- large_file: the "one large file" workload (a scanner's export, one ZIP);
- driver: the page driven in Chromium as a person would;
- memory: the browser's memory, sampled while it works;
- typage: typage in the same Chromium, on typage-bench.html and typage-bench.js;
- limits: the page's cipher and SHA-256 alone on one core, on limits-bench.html,
  limits-bench.js and limits-worker.js;
- age_cli: the age CLI on the same bytes;
- checks: every output decrypted and tested, not assumed;
- results: what was measured and what failed;
- measurements: what one run measures, workload by workload and size by size;
- report: the table and page-bench.json.
"""
