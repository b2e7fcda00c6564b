# The files of this folder are bad inputs for tests/test_bad_inputs.py, not modules to collect (or import for
# doctests): some do not parse, one raises at import, two import each other.
collect_ignore_glob = ["*.py"]
