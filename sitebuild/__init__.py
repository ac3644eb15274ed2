"""The parts of build.py, one module each: errors (how the build stops), pins (the
pinned npm inputs and their pin file), pypi (the pinned wheels from PyPI), bundling
(esbuild), wheel (our wheel), site (the files of ``dist/``), single_file
(``dist/orthoshare.html`` and its Content-Security-Policy), commands (build, check,
update the pins)."""
