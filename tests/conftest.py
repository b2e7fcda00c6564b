"""Hypothesis profiles: reproducible by default (and in CI), randomised and longer on request.

* ``ci`` (the default, and whenever ``CI`` is set): derandomised, no example database, the reproduction blob
  printed on failure, so a run on a fresh clone passes or fails the same way every time;
* ``dev`` (``HYPOTHESIS_PROFILE=dev``): random examples, five times as many where a test sets no count of its own, the local database kept, to find
  new counterexamples (then pin them with ``@example`` in the test).

Tests set only ``max_examples``/``deadline``/health checks; none sets ``derandomize``, so the profile decides.
"""

import atexit
import os
import shutil
import tempfile

from hypothesis import settings

settings.register_profile("ci", derandomize=True, database=None, print_blob=True)
settings.register_profile("dev", derandomize=False, print_blob=True,
                          max_examples=5 * settings.get_profile("default").max_examples)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or "ci")

# The on-disk cache of verdicts: this session's own empty folder, so no test reads a verdict another run stored
# (the CLI subprocesses the tests start inherit it); removed at the end of the session.
os.environ["SYMBP_CACHE_DIR"] = tempfile.mkdtemp(prefix="symbp-test-cache-")
atexit.register(shutil.rmtree, os.environ["SYMBP_CACHE_DIR"], True)

# numpy's C extension modules load once per process: a module first imported inside a pytester in-process run
# (tests/test_pytest_plugin.py) is dropped from sys.modules afterwards and cannot be imported again, which broke a
# later `import sklearn` (through scipy → numpy.fft). Importing it here keeps it out of pytester's snapshot.
import numpy.fft  # noqa: E402,F401
