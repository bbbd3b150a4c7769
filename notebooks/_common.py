"""Shared notebook cells."""

SETUP = '''# On Colab, install neurojax first (elsewhere: `pip install -e .` in a clone).
import os
import sys

if "google.colab" in sys.modules:
    get_ipython().run_line_magic("pip", "install -q neurojax")
QUICK = os.environ.get("NEUROJAX_QUICK") == "1"  # the test suite runs a short version'''
