"""The parts of bench/page_bench.py: the records it seals and its memory sampler.

typage-bench.html and typage-bench.js are the page that runs typage in the same browser.
"""
